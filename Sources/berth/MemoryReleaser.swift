#if os(Linux)
import CMalloc
#endif
import ServiceLifecycle

/// Hands memory that the server has freed back to the operating system.
///
/// glibc's malloc keeps freed memory for reuse and returns little of it on its own: after ten
/// thousand long-poll connections close, a server that held 280 MB keeps that resident while
/// using a fifth of it. Every second this looks at how much of the heap is free and, past a
/// threshold, asks malloc to release it (`malloc_trim`), so the resident size follows the load.
struct MemoryReleaser: Service {
    var interval: Duration = .seconds(1)
    /// Free heap bytes worth a trim: below this, the walk over the heap is not worth its time.
    var threshold = 32 << 20

    func run() async throws {
        #if os(Linux)
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: interval)
                if mallinfo2().fordblks > threshold { malloc_trim(0) }
            }
        }
        #else
        try? await gracefulShutdown()
        #endif
    }
}
