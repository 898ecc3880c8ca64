import BerthCore
import BerthStore

/// Berth's state as Consul's catalog: a pure function of one `DiscoveryCatalog` snapshot, so
/// the whole mapping is tested without a server.
///
/// - A Berth service is a Consul service; its tags come from its labels (`ServiceLabels`).
/// - Each running container of it is an instance: `ServiceID` is the container id, the address
///   and port are where its first port is reached (`DiscoveryInstance.endpoint`, `berth lb`'s
///   rule), and every named port is in `ServiceMeta` as `port-NAME`.
/// - A Berth node is a Consul node (`Node`, `Address`, `Meta` from its labels, a stable UUID).
/// - Every instance has two checks: its node's `serfHealth` (passing while the node is ready)
///   and `service:ID`, passing when it is a load-balancing target (healthy, or running with no
///   health check) and critical otherwise. Catalog and health lists hold the same instances in
///   the same order (by container id): old Traefik pairs them by position, newer by node and
///   service ID.
struct ConsulCatalogView {
    let catalog: DiscoveryCatalog
    private let nodes: [String: Node]
    private let services: [String: Service]

    init(_ catalog: DiscoveryCatalog) {
        self.catalog = catalog
        nodes = Dictionary(catalog.nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        services = Dictionary(catalog.services.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// What a query keeps: instances whose service has all `tags`, whose node has all
    /// `nodeMeta` labels, and (with `passingOnly`) whose checks all pass.
    struct Filter: Sendable, Hashable {
        var tags: [String] = []
        var nodeMeta: [String: String] = [:]
        var passingOnly = false
    }

    /// `/v1/catalog/services`: every service and its tags.
    func serviceTags() -> [String: [String]] {
        Dictionary(catalog.services.map { ($0.name, ServiceLabels.consulTags($0.spec.labels)) }, uniquingKeysWith: { first, _ in first })
    }

    /// `/v1/catalog/service/:name`.
    func catalogService(_ name: String, _ filter: Filter) -> [ConsulShapes.CatalogService] {
        entries(name, filter).map { entry in
            ConsulShapes.CatalogService(
                id: entry.node.id, node: entry.node.node, address: entry.node.address, taggedAddresses: entry.node.taggedAddresses,
                nodeMeta: entry.node.meta, serviceID: entry.service.id, serviceName: entry.service.service,
                serviceTags: entry.service.tags, serviceAddress: entry.service.address, serviceMeta: entry.service.meta,
                servicePort: entry.service.port, createIndex: entry.service.createIndex, modifyIndex: entry.service.modifyIndex
            )
        }
    }

    /// `/v1/health/service/:name`.
    func healthService(_ name: String, _ filter: Filter) -> [ConsulShapes.ServiceEntry] {
        entries(name, filter)
    }

    /// `/v1/health/state/:state` (`any`, `passing`, `warning`, `critical`): every node's
    /// `serfHealth` and every instance's service check, by node then check ID.
    func checks(state: String) -> [ConsulShapes.HealthCheck] {
        var checks = catalog.nodes.map(nodeCheck)
        for service in catalog.services {
            for instance in catalog.instances[service.name] ?? [] {
                checks.append(serviceCheck(instance, tags: ServiceLabels.consulTags(service.spec.labels)))
            }
        }
        if state != "any" { checks.removeAll { $0.status != state } }
        return checks.sorted { ($0.node, $0.checkID) < ($1.node, $1.checkID) }
    }

    // MARK: Mapping

    private func entries(_ name: String, _ filter: Filter) -> [ConsulShapes.ServiceEntry] {
        guard let service = services[name] else { return [] }
        let tags = ServiceLabels.consulTags(service.spec.labels)
        guard filter.tags.allSatisfy(tags.contains) else { return [] }
        return (catalog.instances[name] ?? []).compactMap { instance -> ConsulShapes.ServiceEntry? in
            guard let node = nodes[instance.node] else { return nil }
            guard filter.nodeMeta.allSatisfy({ node.labels[$0.key] == $0.value }) else { return nil }
            let checks = [nodeCheck(node), serviceCheck(instance, tags: tags)]
            if filter.passingOnly, checks.contains(where: { $0.status != "passing" }) { return nil }
            let endpoint = instance.endpoint
            var meta: [String: String] = [:]
            for port in instance.ports {
                if let portName = port.name { meta["port-\(portName)"] = String(port.hostPort ?? port.port) }
            }
            let agentService = ConsulShapes.AgentService(
                id: instance.container, service: name, tags: tags, meta: meta, port: endpoint?.port ?? 0,
                address: endpoint?.address ?? instance.ip ?? instance.nodeAddress,
                createIndex: instance.createIndex, modifyIndex: instance.modifyIndex
            )
            return ConsulShapes.ServiceEntry(node: consulNode(node), service: agentService, checks: checks)
        }
    }

    /// A node as Consul shows it. Its indexes are its registration's: a heartbeat changes the
    /// node's `modifyIndex` every few seconds, which would make every answer look new.
    private func consulNode(_ node: Node) -> ConsulShapes.Node {
        ConsulShapes.Node(
            id: ConsulNodeID.of(node.name), node: node.name, address: node.address,
            taggedAddresses: ["lan": node.address, "wan": node.address], meta: node.labels,
            createIndex: node.createIndex, modifyIndex: node.createIndex
        )
    }

    private func nodeCheck(_ node: Node) -> ConsulShapes.HealthCheck {
        let ready = node.status == .ready
        return ConsulShapes.HealthCheck(
            node: node.name, checkID: "serfHealth", name: "Serf Health Status", status: ready ? "passing" : "critical",
            output: ready ? "Agent alive and reachable" : "node \(node.name) is down (no heartbeat)",
            serviceID: "", serviceName: "", serviceTags: [], type: "", definition: ConsulShapes.CheckDefinition(),
            createIndex: node.createIndex, modifyIndex: node.createIndex
        )
    }

    private func serviceCheck(_ instance: DiscoveryInstance, tags: [String]) -> ConsulShapes.HealthCheck {
        let passing = instance.isPassing
        var definition = ConsulShapes.CheckDefinition()
        let output: String
        if let check = instance.healthCheck {
            let endpoint = instance.endpoint.map { "\(Self.hostPort($0.address, $0.port))" } ?? instance.nodeAddress
            definition = ConsulShapes.CheckDefinition(
                http: "http://\(endpoint)\(check.http)", interval: DurationText.format(check.interval), timeout: DurationText.format(check.timeout)
            )
            output = passing ? "HTTP GET \(check.http): healthy"
                : instance.reason ?? (instance.healthy == false ? "HTTP GET \(check.http): unhealthy" : "HTTP GET \(check.http): not checked yet")
        } else {
            output = "running"
        }
        return ConsulShapes.HealthCheck(
            node: instance.node, checkID: "service:\(instance.container)", name: "Service '\(instance.service)' check",
            status: passing ? "passing" : "critical", output: output, serviceID: instance.container, serviceName: instance.service,
            serviceTags: tags, type: instance.healthCheck == nil ? "" : "http", definition: definition,
            createIndex: instance.createIndex, modifyIndex: instance.modifyIndex
        )
    }

    /// `host:port`, with an IPv6 literal in brackets.
    static func hostPort(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
