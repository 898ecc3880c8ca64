import BerthCore
import Synchronization

/// Containers that "run" at once and never exit: for scale tests with thousands of nodes
/// played by one process.
public final class SimulatedDriver: ContainerDriver {
    private let state = Mutex<[String: [String: Int]]>([:])

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

    public func reap() async -> [DriverExit] { [] }

    public func adopt(node: String) async -> [String: [String: Int]] { [:] }
}
