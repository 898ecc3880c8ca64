import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A thread living inside another network namespace, for making sockets there.
///
/// `setns` changes the namespace of the calling thread only, and a socket stays in the namespace
/// it was made in, whichever thread uses it later. So the agent, which stays in the root
/// namespace to reach the server, makes the sockets it needs inside a node's namespace (health
/// checks of containers, the node's DNS listener) on this one thread, and uses them anywhere.
/// (The same design as a goroutine pinned with LockOSThread in Go's netns libraries.)
public final class NamespaceThread: Sendable {
    public let namespace: String
    private let queue = WorkQueue()

    /// The thread's work items and the semaphore that counts them.
    private final class WorkQueue: Sendable {
        let items = Mutex<[@Sendable () -> Void]>([])
        let ready = DispatchSemaphore(value: 0)

        func next() -> (@Sendable () -> Void)? {
            ready.wait()
            return items.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        }

        func add(_ item: @escaping @Sendable () -> Void) {
            items.withLock { $0.append(item) }
            ready.signal()
        }
    }

    /// Starts the thread and enters `/run/netns/NAME`; throws if the namespace cannot be entered.
    public init(namespace: String) throws(HostNetworkError) {
        self.namespace = namespace
        let entered = Mutex<String?>(nil)
        let started = DispatchSemaphore(value: 0)
        let path = "/run/netns/" + namespace
        let queue = self.queue
        let thread = Thread {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 || Self.setns(fd, Self.newNetwork) != 0 {
                entered.withLock { $0 = "cannot enter network namespace \(path): \(String(cString: strerror(errno)))" }
                if fd >= 0 { close(fd) }
                started.signal()
                return
            }
            close(fd)
            started.signal()
            while true { queue.next()?() }
        }
        thread.name = "berth-netns-\(namespace)"
        thread.start()
        started.wait()
        if let failure = entered.withLock({ $0 }) { throw .commandFailed(command: "setns \(path)", line: nil, status: -1, stderr: failure) }
    }

    /// CLONE_NEWNET, and `setns(2)` looked up with dlsym: Swift's Glibc module is built without
    /// `_GNU_SOURCE`, which hides both (berth-init does the same for its namespaces).
    private static let newNetwork: Int32 = 0x4000_0000

    private static func setns(_ fd: Int32, _ type: Int32) -> Int32 {
        typealias Setns = @convention(c) (Int32, Int32) -> Int32
        guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else { errno = ENOSYS; return -1 }
        return unsafeBitCast(address, to: Setns.self)(fd, type)
    }

    /// Moves the calling thread into the network namespace open at `fd` (0 on success).
    static func enterNetwork(_ fd: Int32) -> Int32 { setns(fd, newNetwork) }

    /// Moves the calling thread (for good) into `/run/netns/NAME`: for a thread of one's own, such as
    /// an event loop's whose sockets must all live in the node's namespace.
    public static func enterCurrentThread(namespace: String) throws(HostNetworkError) {
        let path = "/run/netns/" + namespace
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        defer { if fd >= 0 { close(fd) } }
        guard fd >= 0, setns(fd, newNetwork) == 0 else {
            throw .commandFailed(command: "setns \(path)", line: nil, status: -1, stderr: String(cString: strerror(errno)))
        }
    }

    /// Runs `body` on the thread inside the namespace.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.add { continuation.resume(with: Result { try body() }) }
        }
    }

    /// A new socket (`socket(2)` arguments) made inside the namespace; the caller owns the fd.
    public func socket(domain: Int32, type: Int32, protocol proto: Int32 = 0) async throws -> Int32 {
        try await run {
            let fd = Glibc.socket(domain, type | Int32(SOCK_CLOEXEC.rawValue), proto)
            guard fd >= 0 else { throw HostNetworkError.commandFailed(command: "socket", line: nil, status: errno, stderr: String(cString: strerror(errno))) }
            return fd
        }
    }
}
