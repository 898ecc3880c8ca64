import BerthCore
import GRDB

/// A row of `services`; its constraints and preferences live in `constraints`.
struct ServiceRecord: Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "services"

    /// The placement options stored as JSON; preferences are rows of their own.
    private struct StoredPlacement: Codable {
        var strategy: PlacementStrategy
        var spreadBy: [String]
        var maxPerNode: Int
    }

    var service: Service
    /// The change index at which the template last changed; replicas from before roll out.
    var templateVersion: UInt64

    init(_ service: Service, templateVersion: UInt64) {
        self.service = service
        self.templateVersion = templateVersion
    }

    init(row: Row) throws {
        let placement = try JSONColumn.decode(StoredPlacement.self, from: row["placement"])
        let spec = ServiceSpec(
            mode: ServiceMode(rawValue: row["mode"]) ?? .replicated,
            replicas: row["replicas"],
            template: try JSONColumn.decode(ContainerTemplate.self, from: row["template"]),
            placement: Placement(strategy: placement.strategy, spreadBy: placement.spreadBy, maxPerNode: placement.maxPerNode),
            ports: try JSONColumn.decode([ServicePort].self, from: row["ports"]),
            loadBalancer: try JSONColumn.decode(LoadBalancer.self, from: row["load_balancer"]),
            update: try JSONColumn.decode(UpdateConfig.self, from: row["update_config"]),
            labels: try JSONColumn.decodeStringMap(row["labels"]),
            ingress: try Self.decodeIngress(row["ingress"]),
            endpointMode: EndpointMode(rawValue: row["endpoint_mode"]) ?? .vip
        )
        service = Service(name: row["name"], spec: spec, vip: row["vip"], createIndex: row["create_index"], modifyIndex: row["modify_index"])
        templateVersion = row["template_version"]
    }

    /// Most services have no policy: every scheduler pass reads all services, so `[]` skips the decoder.
    private static func decodeIngress(_ text: String) throws -> [IngressRule] {
        text == "[]" ? [] : try JSONColumn.decode([IngressRule].self, from: text)
    }

    func encode(to container: inout PersistenceContainer) throws {
        let spec = service.spec
        container["name"] = service.name
        container["mode"] = spec.mode.rawValue
        container["replicas"] = spec.replicas
        container["template"] = try JSONColumn.encode(spec.template)
        container["placement"] = try JSONColumn.encode(
            StoredPlacement(strategy: spec.placement.strategy, spreadBy: spec.placement.spreadBy, maxPerNode: spec.placement.maxPerNode)
        )
        container["ports"] = try JSONColumn.encode(spec.ports)
        container["load_balancer"] = try JSONColumn.encode(spec.loadBalancer)
        container["update_config"] = try JSONColumn.encode(spec.update)
        container["labels"] = try JSONColumn.encode(spec.labels)
        container["ingress"] = spec.ingress.isEmpty ? "[]" : try JSONColumn.encode(spec.ingress)
        container["endpoint_mode"] = spec.endpointMode.rawValue
        container["vip"] = service.vip
        container["template_version"] = templateVersion
        container["create_index"] = service.createIndex
        container["modify_index"] = service.modifyIndex
    }
}
