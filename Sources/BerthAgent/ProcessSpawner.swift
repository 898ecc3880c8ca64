import BerthProcess
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts a container's command in a process group of its own (so a signal to the agent's group
/// does not reach it, and stopping the container reaches its children too), with stdout and
/// stderr appended to its log and only fds 0-2; the child outlives this call and the agent.
enum ProcessSpawner {
    static func spawn(command: [String], environment: [String: String], log: URL) throws -> pid_t {
        guard let program = command.first else { throw DriverError("the container has no command to run") }
        let spec = ProcessSpec(
            program, Array(command.dropFirst()), environment: .exactly(environment), ownProcessGroup: true,
            standardOutput: .file(log.path, .append), standardError: .standardOutput
        )
        do { return try spec.start().pid } catch { throw DriverError("\(error)") }
    }

    /// A free TCP port on 127.0.0.1, found by binding port 0.
    static func freePort() -> Int? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { return nil }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return named == 0 ? Int(UInt16(bigEndian: address.sin_port)) : nil
    }
}
