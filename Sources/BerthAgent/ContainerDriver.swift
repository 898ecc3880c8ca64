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
    /// Containers found running from before an agent restart: id → host ports.
    func adopt(node: String) async -> [String: [String: Int]]
}

/// A container that ended on its own.
public struct DriverExit: Sendable, Equatable {
    public var id: String
    public var exitCode: Int32?
    public var reason: String?

    public init(id: String, exitCode: Int32?, reason: String? = nil) {
        self.id = id
        self.exitCode = exitCode
        self.reason = reason
    }
}

/// Why a container could not start, shown as its `reason`.
public struct DriverError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
