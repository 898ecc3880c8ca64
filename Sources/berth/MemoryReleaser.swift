#if os(Linux)
import CMalloc
#endif
import ServiceLifecycle

/// Hands memory that the server has freed back to the operating system.
///
/// glibc's malloc keeps freed memory for reuse and returns little of it on its own: after ten
/// thousand long-poll connections close, a server that held 280 MB keeps that resident while
/// using a fifth of it. Every second this looks at how much of the heap is free and, when that
/// grew past a threshold — or grew a little and then stopped growing — asks malloc to release
/// it (`malloc_trim`), so the resident size follows the load.
struct MemoryReleaser: Service {
    var interval: Duration = .seconds(1)
    /// Free heap bytes worth a trim at once, while memory is still being freed.
    var threshold = 32 << 20
    /// Free heap bytes worth a trim once the freeing has settled (no change for an interval):
    /// what a burst of closed connections leaves below `threshold` is returned too.
    var settledThreshold = 1 << 20

    func run() async throws {
        #if os(Linux)
        try? await cancelWhenGracefulShutdown {
            // Free bytes stay counted as free after a trim (only their pages go back), so trim
            // again only when that much more has been freed: a steady heap is not walked each second.
            var freeAtLastTrim = 0
            var previous = 0
            while true {
                try await Task.sleep(for: interval)
                let free = mallinfo2().fordblks
                let settled = free == previous
                previous = free
                if free > freeAtLastTrim + threshold || (settled && free > freeAtLastTrim + settledThreshold) {
                    malloc_trim(0)
                    freeAtLastTrim = free
                } else if free < freeAtLastTrim {
                    freeAtLastTrim = free  // reused since: count new frees from here
                }
            }
        }
        #else
        try? await gracefulShutdown()
        #endif
    }
}
