import BerthCore
import BerthProcess
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs each container's `command` as a child process in its own process group (the image is
/// recorded, not pulled). It publishes a host port per declared container port (`PORT` is the
/// first), logs to a file per container, stops with SIGTERM then SIGKILL, and keeps a record
/// per container on disk so a restarted agent adopts what still runs.
public final class ProcessDriver: ContainerDriver {
    private struct Child {
        var pid: pid_t
        var hostPorts: [String: Int]
        /// Adopted processes are not our children: they are watched with kill(pid, 0).
        var adopted: Bool
    }

    private let directory: NodeDirectory
    private let children = Mutex<[String: Child]>([:])
    private let notices = ExitNotices()

    public init(stateDirectory: URL, node: String) throws {
        directory = NodeDirectory(root: stateDirectory.appendingPathComponent(node))
        try directory.prepare()
    }

    public func start(_ container: Container, node: String) async throws -> [String: Int] {
        var hostPorts: [String: Int] = [:]
        for port in container.template.ports {
            guard let host = port.hostPort ?? ProcessSpawner.freePort() else { throw DriverError("no free host port for \(port.name)") }
            hostPorts[port.name] = host
        }
        var environment = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "LANG", "TMPDIR"].contains($0.key) }
        environment.merge(container.template.env) { _, new in new }
        environment["BERTH_CONTAINER_ID"] = container.id
        environment["BERTH_SERVICE"] = container.service ?? ""
        environment["BERTH_IP"] = container.ip ?? ""
        environment["BERTH_NODE"] = node
        for port in container.template.ports {
            environment["PORT_\(port.name.uppercased().replacingOccurrences(of: "-", with: "_"))"] = String(hostPorts[port.name]!)
        }
        if let first = container.template.ports.first { environment["PORT"] = String(hostPorts[first.name]!) }
        let pid = try ProcessSpawner.spawn(command: container.template.command, environment: environment, log: directory.log(container.id))
        try directory.save(ProcessRecord(id: container.id, pid: pid, hostPorts: hostPorts, startedAt: Date()))
        children.withLock { $0[container.id] = Child(pid: pid, hostPorts: hostPorts, adopted: false) }
        watch(container.id, pid: pid)
        return hostPorts
    }

    public func stop(_ id: String, grace: Duration) async -> Int32? {
        guard let child = children.withLock({ $0[id] }) else { return nil }
        kill(-child.pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        var code: Int32?
        while ContinuousClock.now < deadline {
            if let exit = exited(child) { code = exit.code; break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        if code == nil, exited(child) == nil {
            kill(-child.pid, SIGKILL)
            for _ in 0..<40 {
                if let exit = exited(child) { code = exit.code; break }
                try? await Task.sleep(for: .milliseconds(25))
            }
        }
        children.withLock { $0[id] = nil }
        directory.remove(id)
        return code ?? 137
    }

    public func running() async -> [String: [String: Int]] {
        children.withLock { $0.mapValues(\.hostPorts) }
    }

    public func reap() async -> [DriverExit] {
        let snapshot = children.withLock { $0 }
        var exits: [DriverExit] = []
        for (id, child) in snapshot {
            guard let exit = exited(child) else { continue }
            children.withLock { $0[id] = nil }
            directory.remove(id)
            exits.append(DriverExit(id: id, exitCode: exit.code, reason: exit.reason))
        }
        return exits
    }

    public var exitNotices: AsyncStream<String> { notices.stream }

    /// Announces the container's end as soon as its process ends (a pidfd: the adopted, which
    /// are not our children, too); nothing is reaped here.
    private func watch(_ id: String, pid: pid_t) {
        let notices = notices
        ExitWatcher.shared.watch(pid) { notices.announce(id) }
    }

    /// The exit of a process if it has ended (reaping it when it is our child).
    private func exited(_ child: Child) -> (code: Int32?, reason: String?)? {
        if child.adopted {
            if kill(child.pid, 0) == 0 || errno == EPERM { return nil }
            return (nil, "exited (exit code unknown: adopted after an agent restart)")
        }
        switch Reaper.reap(child.pid, block: false) {
        case nil: return nil
        case .unknown?: return (nil, "process \(child.pid) vanished")
        case .exited(let code)?: return (code, nil)
        case .signalled(let signal)?: return (128 + signal, "killed by signal \(signal)")
        }
    }

    public func adopt(node: String) async -> [String: [String: Int]] {
        var adopted: [String: [String: Int]] = [:]
        for record in directory.load() {
            if kill(record.pid, 0) == 0 {
                children.withLock { $0[record.id] = Child(pid: record.pid, hostPorts: record.hostPorts, adopted: true) }
                adopted[record.id] = record.hostPorts
                watch(record.id, pid: record.pid)
            } else {
                directory.remove(record.id)
            }
        }
        return adopted
    }
}
