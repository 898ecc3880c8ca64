import BerthCore
import GRDB

/// The reads of discovery (the Consul-compatible catalog, Prometheus service discovery): a
/// service's running replicas, healthy or not, and its stored targets, for one, some or all
/// services in one statement each.
enum DiscoveryRepository {
    /// The services named (all when nil; unknown names are skipped), their running replicas and
    /// the nodes those run on (every node when `names` is nil).
    static func catalog(_ db: Database, services names: [String]?) throws -> DiscoveryCatalog {
        let services: [Service]
        if let names {
            services = try Set(names).sorted().compactMap { try ServiceRepository.fetch(db, $0) }
        } else {
            services = try ServiceRepository.list(db)
        }
        let byName = Dictionary(uniqueKeysWithValues: services.map { ($0.name, $0) })
        var sql = """
            SELECT c.id, c.name, c.service, c.node, c.ip, c.healthy, c.host_ports, c.template, c.reason,
                c.create_index, c.modify_index, n.address
            FROM containers c JOIN nodes n ON n.name = c.node
            WHERE c.service IS NOT NULL AND c.state = 'running' AND c.desired_state = 'running'
            """
        var arguments: StatementArguments = []
        if names != nil {
            guard !services.isEmpty else { return DiscoveryCatalog(services: [], instances: [:], nodes: []) }
            sql += " AND c.service IN (\(services.map { _ in "?" }.joined(separator: ",")))"
            arguments += StatementArguments(services.map(\.name))
        }
        sql += " ORDER BY c.service, c.id"
        // Replicas of one template version share its text: decode each text once.
        var templates: [String: ContainerTemplate] = [:]
        var instances: [String: [DiscoveryInstance]] = [:]
        var nodeNames = Set<String>()
        for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
            guard let service = byName[row["service"]] else { continue }
            let text: String = row["template"]
            let template = try templates[text] ?? JSONColumn.decode(ContainerTemplate.self, from: text)
            templates[text] = template
            let hostPorts = try JSONColumn.decode([String: Int].self, from: row["host_ports"])
            let instance = DiscoveryInstance(
                container: row["id"], name: row["name"], service: service.name, node: row["node"], nodeAddress: row["address"],
                ip: row["ip"], ports: ports(service.spec, template, hostPorts: hostPorts), healthCheck: template.healthCheck,
                healthy: row["healthy"], reason: row["reason"], createIndex: row["create_index"], modifyIndex: row["modify_index"]
            )
            nodeNames.insert(instance.node)
            instances[service.name, default: []].append(instance)
        }
        let nodes = names == nil ? try NodeRepository.list(db) : try nodeNames.sorted().compactMap { try NodeRepository.fetch(db, $0) }
        return DiscoveryCatalog(services: services, instances: instances, nodes: nodes)
    }

    /// The ports a replica serves: the service's target ports (or, without service ports, the
    /// template's), each once, with the name and host port the targets use.
    static func ports(_ spec: ServiceSpec, _ template: ContainerTemplate, hostPorts: [String: Int]) -> [DiscoveryInstance.Port] {
        let wanted: [Int] = spec.ports.isEmpty ? template.ports.map(\.containerPort) : spec.ports.map(\.targetPort)
        var seen = Set<Int>()
        return wanted.compactMap { port in
            guard seen.insert(port).inserted else { return nil }
            let declared = template.ports.first { $0.containerPort == port }
            return DiscoveryInstance.Port(
                name: declared?.name, port: port, hostPort: declared.flatMap { hostPorts[$0.name] } ?? declared?.hostPort
            )
        }
    }

    /// The stored load-balancing targets of the services named (all when nil), with each
    /// service, by service name then container and port.
    static func targets(_ db: Database, services names: [String]?) throws -> [(service: Service, targets: [ServiceTargets.Target])] {
        let services = try names.map { try Set($0).sorted().compactMap { try ServiceRepository.fetch(db, $0) } } ?? ServiceRepository.list(db)
        guard !services.isEmpty else { return [] }
        var sql = "SELECT service, container, node, ip, port, host_address, host_port FROM service_targets"
        var arguments: StatementArguments = []
        if names != nil {
            sql += " WHERE service IN (\(services.map { _ in "?" }.joined(separator: ",")))"
            arguments += StatementArguments(services.map(\.name))
        }
        sql += " ORDER BY service, container, port"
        var targets: [String: [ServiceTargets.Target]] = [:]
        for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
            targets[row["service"], default: []].append(ServiceTargets.Target(
                container: row["container"], node: row["node"], ip: row["ip"], port: row["port"],
                hostAddress: row["host_address"], hostPort: row["host_port"]
            ))
        }
        return services.map { ($0, targets[$0.name] ?? []) }
    }
}
