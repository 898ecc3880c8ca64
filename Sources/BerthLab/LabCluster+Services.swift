import BerthClient
import BerthCore
import BerthHarness
import Foundation

/// Services through the API, waited on until the data plane can carry them: the service tests'
/// way to say "three healthy replicas behind a VIP".
extension LabCluster {
    /// A service of `LabWeb` servers on `port` (8080), behind VIP port `servicePort` (80), placed
    /// on `nodes` (at most one replica on each), with the given algorithm, health check and
    /// ingress rules; `before` runs in each container before its server starts.
    public static func webService(
        replicas: Int, on nodes: [NetworkLab.Node], port: Int = LabWeb.port, servicePort: Int = 80,
        loadBalancer: LoadBalancer = LoadBalancer(), healthCheck: HealthCheck? = nil, ingress: [IngressRule] = [], before: String = ""
    ) throws -> ServiceSpec {
        ServiceSpec(
            replicas: replicas,
            template: ContainerTemplate(
                image: "host", command: LabWeb.command(port: port, before: before), resources: Resources(cpu: 50, memory: 32),
                ports: [ContainerPort(name: "http", containerPort: port)], healthCheck: healthCheck
            ),
            constraints: [try Constraint.parse("node.name in (\(nodes.map(\.name).joined(separator: ",")))")],
            placement: Placement(maxPerNode: 1),
            ports: [ServicePort(name: "http", port: servicePort, targetPort: port)],
            loadBalancer: loadBalancer,
            ingress: ingress
        )
    }

    /// Creates or updates the service, then waits until `spec.replicas` of its containers run,
    /// are healthy (when it has a health check) and are its targets; returns those containers.
    @discardableResult
    public func deploy(_ name: String, _ spec: ServiceSpec, timeout: Duration = .seconds(60)) async throws -> [Container] {
        try await service(name, spec)
        return try await waitForTargets(name, count: spec.replicas, timeout: timeout)
    }

    /// Waits until the service has exactly `count` targets, each a running container; returns them.
    @discardableResult
    public func waitForTargets(_ name: String, count: Int, timeout: Duration = .seconds(60)) async throws -> [Container] {
        var found: [Container] = []
        var last = "none"
        try await eventually("service \(name) has \(count) targets (last: \(last))", timeout: timeout) {
            let targets = try await self.targets(of: name)
            let running = try await runningContainers(service: name)
            last = "\(targets.targets.count) targets, \(running.count) running"
            let ids = Set(targets.targets.map(\.container))
            found = running.filter { ids.contains($0.id) }
            return targets.targets.count == count && found.count == count
        }
        return found.sorted { $0.id < $1.id }
    }

    /// Polls the container every 10 ms until `condition` holds of it (nil once it is gone: a
    /// service replaces and removes an ended replica, maybe before a poll saw it ended); when
    /// that was seen.
    public func when(_ id: String, _ what: String, timeout: Duration = .seconds(30), _ condition: (Container?) -> Bool) async throws -> Date {
        var seen: Date?
        try await eventually("container \(id) \(what)", timeout: timeout, poll: .milliseconds(10)) {
            let container: Container?
            do { container = try await client.container(id).value } catch let failure as APIFailure where failure.status == 404 { container = nil }
            guard condition(container) else { return false }
            seen = Date()
            return true
        }
        return seen!
    }

    /// What the server says the data plane should do for the service (`GET …/targets`).
    public func targets(of name: String) async throws -> ServiceTargets {
        try await client.fetch(ServiceTargets.self, "/v1/services/\(name)/targets").value
    }

    /// The service's VIP.
    public func vip(of name: String) async throws -> String {
        guard let vip = try await client.service(name).value.vip else { throw LabError("service \(name) has no VIP") }
        return vip
    }

    /// Scales the service to `replicas`, keeping the rest of its spec.
    public func scale(_ name: String, to replicas: Int) async throws {
        var spec = try await client.service(name).value.spec
        spec.replicas = replicas
        try await service(name, spec)
    }

    /// The node's nft table `ip berth-svc` as `nft list table` prints it (no handles), where the
    /// agent keeps its service VIPs and policy; empty when there is none.
    public func berthTable(on node: NetworkLab.Node) -> String {
        guard let output = try? lab.run(node.namespace, ["nft", "list", "table", "ip", "berth-svc"]), output.status == 0 else { return "" }
        return String(decoding: output.stdout, as: UTF8.self)
    }

    /// The pid of the container's command: the child of its init (pid 1 of its pid namespace),
    /// not a process the command forked (busybox httpd forks one per connection), for a test
    /// that kills it or reaches into its mount namespace through `/proc/PID/root`.
    public func process(of container: Container) throws -> Int32 {
        guard let node = node(of: container), let members = cgroupFile("cgroup.procs", of: container.id, on: node) else {
            throw LabError("container \(container.id) has no cgroup")
        }
        func status(_ pid: Int32, _ field: String) -> [Substring] {
            let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            let line = text.split(separator: "\n").first { $0.hasPrefix(field + ":") }
            return line?.dropFirst(field.count + 1).split(whereSeparator: \.isWhitespace) ?? []
        }
        let pids = members.split(separator: "\n").compactMap { Int32($0) }
        guard let initPID = pids.first(where: { status($0, "NSpid").last == "1" }),
              let command = pids.first(where: { status($0, "PPid").first == "\(initPID)" }) else {
            throw LabError("container \(container.id) has no init with a command among \(pids)")
        }
        return command
    }
}
