import BerthClient
import BerthCore
import BerthHarness
import BerthNetwork
import Foundation

/// Containers and services through the API, and what the tests look at in the kernel for them.
extension LabCluster {
    /// Creates a standalone container pinned to `node` (POST /v1/containers) and returns it.
    public func run(
        _ name: String? = nil, on node: NetworkLab.Node, command: [String], image: String = "host",
        resources: Resources = Resources(cpu: 100, memory: 64), ports: [ContainerPort] = []
    ) async throws -> Container {
        let spec = ContainerSpec(
            name: name,
            template: ContainerTemplate(image: image, command: command, resources: resources, ports: ports, restartPolicy: .never),
            constraints: [try Constraint.parse("node.name==\(node.name)")]
        )
        let reply = try client.checked(try await client.put("/v1/containers", json: spec, method: "POST"))
        return try reply.decode(Container.self)
    }

    /// Creates or updates a service (PUT /v1/services/NAME).
    public func service(_ name: String, _ spec: ServiceSpec) async throws {
        _ = try client.checked(try await client.put("/v1/services/\(name)", json: spec))
    }

    /// Waits until the container is `running` and returns it (with its IP and node).
    @discardableResult
    public func running(_ id: String, timeout: Duration = .seconds(30)) async throws -> Container {
        try await state(id, .running, timeout: timeout)
    }

    /// Waits until the container is in `state`; a container that ends otherwise fails at once.
    @discardableResult
    public func state(_ id: String, _ state: ContainerState, timeout: Duration = .seconds(30)) async throws -> Container {
        var last: Container?
        try await eventually("container \(id) is \(state) (last: \(last.map { "\($0.state) \($0.reason ?? "")" } ?? "none"))", timeout: timeout) {
            let container = try await client.container(id).value
            last = container
            if container.state != state, container.state.isTerminal {
                throw UnexpectedState(id: id, wanted: state, container: container)
            }
            return container.state == state
        }
        return last!
    }

    /// The service's containers that are running.
    public func runningContainers(service: String) async throws -> [Container] {
        try await client.containers(service: service, state: "running").value.items
    }

    /// A container's network namespace (`<node>-ctr-<id>`), as the agent names it.
    public func namespace(_ container: Container) -> String { "\(container.node ?? "?")-ctr-\(container.id)" }

    /// The node's lab entry for a container.
    public func node(of container: Container) -> NetworkLab.Node? { lab.nodes.first { $0.name == container.node } }

    /// `GET http://address:port/path` from inside `namespace` (busybox wget, bounded by
    /// coreutils' timeout: busybox 1.35's own `-T` segfaults); the body, or nil.
    public func http(from namespace: String, _ address: String, port: Int = LabWeb.port, path: String = "/") async -> String? {
        guard let output = try? await lab.runDetached(namespace, ["timeout", "5", LabWeb.busybox, "wget", "-q", "-O", "-", "http://\(address):\(port)\(path)"]),
              output.status == 0 else { return nil }
        return String(decoding: output.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The address the web server at `address` saw this request come from (its CGI's
    /// REMOTE_ADDR), or nil when it cannot be reached.
    public func peer(from namespace: String, _ address: String, port: Int = LabWeb.port) async -> String? {
        guard let body = await http(from: namespace, address, port: port, path: "/cgi-bin/peer"), body.hasPrefix("peer=") else { return nil }
        return LabWeb.plainAddress(String(body.dropFirst(5)))
    }

    /// The node's agent-owned routes (`ip -n NODE -4 route`), as destination → the whole line.
    public func routes(on node: NetworkLab.Node) -> [String: String] {
        guard let output = try? lab.runner.run(["ip", "-n", node.namespace, "-4", "route", "show"]) else { return [:] }
        var routes: [String: String] = [:]
        for line in String(decoding: output.stdout, as: UTF8.self).split(separator: "\n") {
            if let destination = line.split(separator: " ").first { routes[String(destination)] = String(line) }
        }
        return routes
    }

    /// The subnet the server leased to `node`.
    public func subnet(of node: NetworkLab.Node) async throws -> String {
        guard let subnet = try await client.node(node.name).value.subnet else { throw LabError("node \(node.name) has no subnet") }
        return subnet
    }

    /// The namespaces, host-side veths, cgroups, runtime state and nft host-port elements on
    /// `node` that belong to the container `id` (empty once it is fully removed).
    public func traces(of id: String, on node: NetworkLab.Node) -> [String] {
        var found: [String] = []
        let namespace = "\(node.name)-ctr-\(id)"
        if FileManager.default.fileExists(atPath: "/run/netns/\(namespace)") { found.append("netns \(namespace)") }
        for root in cgroupRoots where FileManager.default.fileExists(atPath: "\(root)/\(node.name)/\(id)") {
            found.append("cgroup \(root)/\(node.name)/\(id)")
        }
        if veths(on: node).contains(LinkNames.containerLink(forID: id)) { found.append("veth \(LinkNames.containerLink(forID: id))") }
        if FileManager.default.fileExists(atPath: "\(stateDirectory)/\(node.name)/runtime/\(id)") { found.append("runtime state of \(id)") }
        return found
    }

    /// Host-side veths (`bv…`) in the node's namespace.
    public func veths(on node: NetworkLab.Node) -> Set<String> {
        guard let output = try? lab.runner.run(["ip", "-n", node.namespace, "-o", "link", "show"]) else { return [] }
        return Set(String(decoding: output.stdout, as: UTF8.self).split(separator: "\n").compactMap { line in
            let name = line.split(separator: ":").dropFirst().first?.trimmingCharacters(in: .whitespaces).split(separator: "@").first
            return name.map(String.init).flatMap { $0.hasPrefix("bv") ? $0 : nil }
        })
    }

    /// The elements of the agent's `host-ports` map in the node's namespace (`nft list map`).
    public func hostPortElements(on node: NetworkLab.Node) -> String {
        guard let output = try? lab.run(node.namespace, ["nft", "list", "map", "ip", "berth", "host-ports"]), output.status == 0 else { return "" }
        let text = String(decoding: output.stdout, as: UTF8.self)
        guard let range = text.range(of: "elements = {") else { return "" }
        return String(text[range.upperBound...].prefix { $0 != "}" }).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Container namespaces of `node` that exist now.
    public func containerNamespaces(on node: NetworkLab.Node) -> Set<String> {
        Set(((try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []).filter { $0.hasPrefix("\(node.name)-ctr-") })
    }

    /// The ids of `node`'s container cgroups (directories under its scope, in any hierarchy).
    public func cgroupIDs(on node: NetworkLab.Node) -> Set<String> {
        Set(cgroupRoots.flatMap { root -> [String] in
            let scope = "\(root)/\(node.name)"
            return ((try? FileManager.default.contentsOfDirectory(atPath: scope)) ?? []).filter { name in
                var directory: ObjCBool = false
                return FileManager.default.fileExists(atPath: "\(scope)/\(name)", isDirectory: &directory) && directory.boolValue
            }
        })
    }

    /// `/sys/fs/cgroup/<hierarchy>/berth` for each hierarchy that has one (and v2's).
    public var cgroupRoots: [String] {
        let hierarchies = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? []
        return (["/sys/fs/cgroup/berth"] + hierarchies.map { "/sys/fs/cgroup/\($0)/berth" }).filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// The cgroup file of a container in the hierarchy carrying `file`'s controller.
    public func cgroupFile(_ file: String, of id: String, on node: NetworkLab.Node) -> String? {
        for root in cgroupRoots {
            let path = "\(root)/\(node.name)/\(id)/\(file)"
            if FileManager.default.fileExists(atPath: path) {
                return (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        return nil
    }
}

/// A container that ended while a test waited for another state.
public struct UnexpectedState: Error, CustomStringConvertible {
    public var id: String
    public var wanted: ContainerState
    public var container: Container
    public var description: String {
        "container \(id) is \(container.state) (reason: \(container.reason ?? "none"), exit code: \(container.exitCode.map(String.init) ?? "none")) while waiting for \(wanted)"
    }
}

extension LabCluster {
    /// berth-init processes of the container (its monitor, and its init, which is a fork of
    /// the monitor and shows the same command line): those naming its runtime state directory.
    public func berthInits(of id: String, on node: NetworkLab.Node) -> Int {
        let marker = "\(stateDirectory)/\(node.name)/runtime/\(id)\0"
        var count = 0
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int32(entry) != nil {
            guard let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
            let line = String(decoding: data, as: UTF8.self)
            if line.contains("berth-init"), line.contains(marker) { count += 1 }
        }
        return count
    }
}
