import BerthCore
import BerthNetwork
import BerthProcess
import BerthRuntime
import Foundation

/// Runs containers as Linux containers on the node network: each in its own network namespace
/// holding its leased IP (`NodeNetwork.attach`), and its own pid, mount, uts and ipc namespaces
/// under cgroup limits (`LinuxRuntime`, through `berth-init`), with Docker's default protections
/// unless its `securityContext` says otherwise. An image `dir:/path` is its root filesystem
/// (under a writable layer of its own); `host` runs it on the node's files with the agent's
/// secrets hidden (Nomad raw_exec-like); any other image fails to start, saying why.
///
/// Nothing is kept in memory that a restarted agent could not find again: the runtime's state
/// directory holds each container's spec and end, and a small record beside it the network side
/// (address, published ports), so `adopt` rebuilds both.
final class LinuxDriver: ContainerDriver, LeftoverCleaning {
    let node: String
    let runtime: LinuxRuntime
    let network: NodeNetwork
    let directory: NodeDirectory
    let records: URL
    let pidsLimit: Int
    /// The resolv.conf every container of the node gets (the node's DNS forwarder), if any.
    let resolvConf: String?
    /// What runs here, by address and service, for the service plane's policy.
    let local = LocalContainers()
    private let notices = ExitNotices()
    /// Where a container waits for its policy before it is attached and its command runs.
    let policy: PolicyGate
    /// The agent's --state-dir (hidden from containers on the host's files).
    let stateRoot: URL
    /// The agent's --token-file (hidden likewise).
    let tokenFile: String?

    /// What the driver remembers of a container's network, next to the runtime's state.
    struct Record: Codable, Sendable {
        var id: String
        var address: String
        var prefix: Int
        var ports: [PublishedPort]
        var hostPorts: [String: Int]
        var probePort: Int?
        var service: String?
    }

    init(
        stateDirectory: URL, node: String, network: NodeNetwork, policy: PolicyGate, pidsLimit: Int, initPath: String?, resolvConf: String?,
        tokenFile: String? = nil
    ) throws {
        self.node = node
        self.policy = policy
        self.stateRoot = stateDirectory
        self.tokenFile = tokenFile
        self.network = network
        self.pidsLimit = pidsLimit
        let root = stateDirectory.appendingPathComponent(node)
        if let resolvConf {
            let path = root.appendingPathComponent("resolv.conf")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            try Data(resolvConf.utf8).write(to: path, options: .atomic)
            self.resolvConf = path.path
        } else {
            self.resolvConf = nil
        }
        directory = NodeDirectory(root: root)
        try directory.prepare()
        records = root.appendingPathComponent("network")
        try FileManager.default.createDirectory(at: records, withIntermediateDirectories: true)
        runtime = try LinuxRuntime(.init(
            stateDirectory: root.appendingPathComponent("runtime").path, scope: node, initPath: initPath
        ))
    }

    func start(_ container: Container, node: String) async throws -> [String: Int] {
        guard let ip = container.ip.flatMap(IPv4Address.init) else { throw DriverError("the container has no address on this node") }
        guard !container.template.command.isEmpty else { throw DriverError("the container has no command to run") }
        let image = try Self.image(container.template.image, node: node)
        var ports: [PublishedPort] = []
        var hostPorts: [String: Int] = [:]
        for port in container.template.ports {
            guard let host = port.hostPort else { continue }
            ports.append(PublishedPort(port.protocol == .udp ? .udp : .tcp, hostPort: UInt16(host), containerPort: UInt16(port.containerPort)))
            hostPorts[port.name] = host
        }
        let record = Record(
            id: container.id, address: ip.description, prefix: network.config.subnet.prefix, ports: ports, hostPorts: hostPorts,
            probePort: container.template.ports.first?.containerPort, service: container.service
        )
        try save(record)
        // Its policy first, failing closed: declared here, the service plane programs the
        // address's `pol-dests` element (when its service has ingress rules) before the address
        // exists on the node, and nothing of the container is made until the kernel holds it.
        let revision = local.set(container.id, LocalContainer(ip: ip, service: container.service))
        do {
            try await policy.admit(service: container.service, revision: revision)
        } catch {
            local.set(container.id, nil)
            forget(container.id)
            throw DriverError("not started: \(error)")
        }
        // The anti-spoofing entry goes in with the link, before the command runs.
        let attachment = ContainerNetwork(id: container.id, namespace: network.namespace(forContainer: container.id), address: ip, prefix: record.prefix, ports: ports)
        do {
            try await network.attach(attachment)
        } catch {
            local.set(container.id, nil)
            forget(container.id)
            throw DriverError("cannot connect the container to the node network: \(error)")
        }
        do {
            _ = try await runtime.start(spec(container, address: ip, image: image))
            watch(container.id)
        } catch {
            try? await network.detach(container.id)
            try? await runtime.remove(container.id)
            local.set(container.id, nil)
            forget(container.id)
            throw DriverError("\(error)")
        }
        return hostPorts
    }

    /// The runtime's view of the container: its command and environment (as the process driver
    /// gives them: `BERTH_*`, `PORT`, `PORT_<NAME>` at the container's own ports), its limits.
    private func spec(_ container: Container, address: IPv4Address, image: Image) -> LinuxContainerSpec {
        var environment = ["PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root"]
        environment.merge(container.template.env) { _, new in new }
        environment["BERTH_CONTAINER_ID"] = container.id
        environment["BERTH_SERVICE"] = container.service ?? ""
        environment["BERTH_IP"] = address.description
        environment["BERTH_NODE"] = node
        environment["HOSTNAME"] = hostname(container)
        for port in container.template.ports {
            environment["PORT_\(port.name.uppercased().replacingOccurrences(of: "-", with: "_"))"] = String(port.containerPort)
        }
        if let first = container.template.ports.first { environment["PORT"] = String(first.containerPort) }
        let resources = container.template.resources
        return LinuxContainerSpec(
            id: container.id, hostname: hostname(container), command: container.template.command, environment: environment,
            rootfs: LinuxContainerSpec.rootfs(fromImage: container.template.image), resolvConf: resolvConf,
            networkNamespace: "/run/netns/" + network.namespace(forContainer: container.id),
            logPath: directory.log(container.id).path,
            limits: ContainerLimits(memoryMiB: resources.memory > 0 ? resources.memory : nil, cpuMillicores: resources.cpu, pidsMax: pidsLimit),
            security: security(container.template, image: image)
        )
    }

    /// What the agent should say once at start about this node's protections (memory limits
    /// that cannot include swap).
    var warnings: [String] { runtime.cgroups.swapLimitProblem.map { [$0] } ?? [] }

    /// The container's name, else its id: what `hostname` says inside it.
    private func hostname(_ container: Container) -> String { container.name ?? container.id }

    func stop(_ id: String, grace: Duration) async -> Int32? {
        let exit = await runtime.stop(id, grace: grace)
        await release(id)
        return exit?.code
    }

    /// Removes what a container had: its cgroups and state (the log is kept), its network. A
    /// detach that fails stays pending in the node network, which retries it on its next sync
    /// (and before its address can be attached again); the record stays until it succeeded, so
    /// an agent restarted meanwhile still clears the address's flows (`removeLeftovers`).
    private func release(_ id: String) async {
        try? await runtime.remove(id)
        do {
            try await network.detach(id)
            forget(id)
        } catch {}
        // Its policy goes with the address, not before.
        local.set(id, nil)
    }

    func running() async -> [String: [String: Int]] {
        var out: [String: [String: Int]] = [:]
        for listing in runtime.list() where listing.status.isRunning || listing.status == .starting {
            out[listing.id] = load(listing.id)?.hostPorts ?? [:]
        }
        return out
    }

    func reap() async -> [DriverExit] {
        var exits: [DriverExit] = []
        for listing in runtime.list() where listing.hasState {
            guard case .exited(let end) = listing.status else { continue }
            await release(listing.id)
            exits.append(DriverExit(
                id: listing.id, exitCode: end.code, reason: end.reason,
                failed: end.oomKilled || end.setupFailed || end.code == nil
            ))
        }
        return exits
    }

    var exitNotices: AsyncStream<String> { notices.stream }

    /// Announces the container's end as soon as its init or its monitor ends (pidfds: both
    /// outlive an agent, so they are never our children); `reap` then reads the exit record.
    /// The init's end comes a moment before the record, the monitor's after it.
    private func watch(_ id: String) {
        let notices = notices
        for pid in runtime.processes(id) { ExitWatcher.shared.watch(pid) { notices.announce(id) } }
    }

    /// Running containers from before a restart: their network is declared again (so the first
    /// sync keeps it) and they are handed to the agent with their host ports.
    func adopt(node: String) async -> [String: [String: Int]] {
        var adopted: [String: [String: Int]] = [:]
        var attached: [ContainerNetwork] = []
        for listing in runtime.list() where listing.status.isRunning {
            guard let record = load(listing.id), let address = IPv4Address(record.address) else { continue }
            adopted[listing.id] = record.hostPorts
            watch(listing.id)
            local.set(record.id, LocalContainer(ip: address, service: record.service))
            attached.append(ContainerNetwork(
                id: record.id, namespace: network.namespace(forContainer: record.id), address: address, prefix: record.prefix, ports: record.ports
            ))
        }
        await network.adopt(attached)
        return adopted
    }

    func removeLeftovers(keeping running: Set<String>) async {
        for listing in runtime.list() where !running.contains(listing.id) && !listing.status.isRunning {
            try? await runtime.remove(listing.id)
        }
        for listing in runtime.list() where !running.contains(listing.id) {
            // Running, yet no container the agent adopted (its record was never written).
            _ = await runtime.stop(listing.id, grace: .seconds(1))
            try? await runtime.remove(listing.id)
        }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: records.path)) ?? []
        for file in files where file.hasSuffix(".json") && !running.contains(String(file.dropLast(5))) {
            // Its address may go to another container: its flows go first (kept if that fails).
            if let address = load(String(file.dropLast(5))).flatMap({ IPv4Address($0.address) }) {
                do { try await network.forgetFlows(of: address) } catch { continue }
            }
            try? FileManager.default.removeItem(at: records.appendingPathComponent(file))
        }
        await network.removeNamespaces(keeping: running)
        _ = try? await network.sync()
    }

    func probeTarget(for container: Container, hostPorts: [String: Int]) -> ProbeTarget? {
        guard let ip = container.ip, let port = container.template.ports.first?.containerPort else { return nil }
        // From the node's namespace (the agent's own when it programs its own host), where the
        // bridge reaches every container of the node.
        return ProbeTarget(address: ip, port: port, namespace: network.config.namespace)
    }

    private func save(_ record: Record) throws {
        try JSONEncoder().encode(record).write(to: records.appendingPathComponent("\(record.id).json"), options: .atomic)
    }

    private func load(_ id: String) -> Record? {
        (try? Data(contentsOf: records.appendingPathComponent("\(id).json"))).flatMap { try? JSONDecoder().decode(Record.self, from: $0) }
    }

    private func forget(_ id: String) {
        try? FileManager.default.removeItem(at: records.appendingPathComponent("\(id).json"))
    }
}
