import BerthCore
import Foundation

/// Runs containers on one node. The agent decides what should run; a driver only starts,
/// stops and watches.
public protocol ContainerDriver: Sendable {
    /// Starts the container and returns its published host ports by port name.
    func start(_ container: Container, node: String) async throws -> [String: Int]
    /// Stops it: SIGTERM, then SIGKILL after `grace`. Returns its exit code when known.
    func stop(_ id: String, grace: Duration) async -> Int32?
    /// The containers the driver runs now, with their host ports.
    func running() async -> [String: [String: Int]]
    /// Containers that ended since the last call, with exit codes when known.
    func reap() async -> [DriverExit]
    /// Ids of containers that may just have ended, announced as soon as the driver learns it
    /// (a pidfd turned readable, a simulated exit): the agent then calls `reap()`, which stays
    /// the truth (exit code, reason). One reader. A driver that cannot watch a process
    /// announces nothing for it, and the agent's slow resync finds its end.
    var exitNotices: AsyncStream<String> { get }
    /// Containers found running from before an agent restart: id → host ports.
    func adopt(node: String) async -> [String: [String: Int]]
    /// Where the container's health check reaches it (nil: it cannot be probed).
    func probeTarget(for container: Container, hostPorts: [String: Int]) -> ProbeTarget?
}

extension ContainerDriver {
    /// Drivers that run containers as host processes are probed on their first host port.
    public func probeTarget(for container: Container, hostPorts: [String: Int]) -> ProbeTarget? {
        guard let first = container.template.ports.first, let port = hostPorts[first.name] else { return nil }
        return ProbeTarget(address: "127.0.0.1", port: port, namespace: nil)
    }
}

/// A driver that leaves things behind when the agent is killed mid-way (namespaces, veths,
/// cgroups), removed once the agent knows what runs.
public protocol LeftoverCleaning: Sendable {
    /// Removes what belongs to no container in `running`.
    func removeLeftovers(keeping running: Set<String>) async
}

/// An address a health check connects to, in the network namespace it lives in (nil: the
/// agent's own).
public struct ProbeTarget: Sendable, Hashable {
    public var address: String
    public var port: Int
    public var namespace: String?

    public init(address: String, port: Int, namespace: String?) {
        self.address = address
        self.port = port
        self.namespace = namespace
    }
}

/// The stream a driver announces possible exits on, and its sink.
public struct ExitNotices: Sendable {
    public let stream: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation

    public init() {
        (stream, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    /// Says that the container `id` may have ended.
    public func announce(_ id: String) { continuation.yield(id) }
}

/// A container that ended on its own.
public struct DriverExit: Sendable, Equatable {
    public var id: String
    public var exitCode: Int32?
    public var reason: String?
    /// Whether it failed (killed for memory, could not be set up) rather than exited; nil lets
    /// the agent judge from the code and reason.
    public var failed: Bool?

    public init(id: String, exitCode: Int32?, reason: String? = nil, failed: Bool? = nil) {
        self.id = id
        self.exitCode = exitCode
        self.reason = reason
        self.failed = failed
    }
}

/// Why a container could not start, shown as its `reason`.
public struct DriverError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
