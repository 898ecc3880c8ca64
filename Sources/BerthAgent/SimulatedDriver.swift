import BerthCore
import Synchronization

/// Containers that "run" at once and never exit unless told to (`exit`): for scale tests with
/// thousands of nodes played by one process, and the agent's loop tests.
public final class SimulatedDriver: ContainerDriver {
    private let state = Mutex<[String: [String: Int]]>([:])
    private let ended = Mutex<[DriverExit]>([])
    private let notices = ExitNotices()

    public init() {}

    public func start(_ container: Container, node: String) async throws -> [String: Int] {
        var ports: [String: Int] = [:]
        for (i, port) in container.template.ports.enumerated() { ports[port.name] = port.hostPort ?? 30000 + i }
        state.withLock { $0[container.id] = ports }
        return ports
    }

    public func stop(_ id: String, grace: Duration) async -> Int32? {
        state.withLock { $0[id] = nil }
        return 0
    }

    public func running() async -> [String: [String: Int]] { state.withLock { $0 } }

    public func reap() async -> [DriverExit] { ended.withLock { ended in defer { ended = [] }; return ended } }

    public var exitNotices: AsyncStream<String> { notices.stream }

    /// Ends a running container as if its process had exited, and announces it.
    public func exit(_ id: String, code: Int32?, reason: String? = nil) {
        guard state.withLock({ $0.removeValue(forKey: id) }) != nil else { return }
        ended.withLock { $0.append(DriverExit(id: id, exitCode: code, reason: reason)) }
        notices.announce(id)
    }

    public func adopt(node: String) async -> [String: [String: Int]] { [:] }
}
