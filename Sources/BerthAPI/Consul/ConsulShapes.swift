/// The JSON shapes of Consul's HTTP API (1.x) that the Consul-compatible catalog answers with,
/// field for field as `github.com/hashicorp/consul/api` decodes them: PascalCase names (each
/// shape's `CodingKeys`), empty maps and strings rather than nulls (Go clients range over them),
/// indexes as numbers.
///
/// Only what the read endpoints carry; fields Consul fills for its service mesh (proxies,
/// Connect, namespaces) are left out, which Go's and Python's decoders accept.
enum ConsulShapes {
    /// The datacenter every answer names: Berth has one cluster.
    static let datacenter = "berth"

    /// `api.Weights`: Berth does not weight instances; Consul's defaults.
    struct Weights: Encodable, Hashable {
        var passing = 1
        var warning = 1

        enum CodingKeys: String, CodingKey {
            case passing = "Passing", warning = "Warning"
        }
    }

    /// `api.Node`: a Berth node.
    struct Node: Encodable, Hashable {
        var id: String
        var node: String
        var address: String
        var datacenter = ConsulShapes.datacenter
        var taggedAddresses: [String: String]
        var meta: [String: String]
        var createIndex: UInt64
        var modifyIndex: UInt64

        enum CodingKeys: String, CodingKey {
            case id = "ID", node = "Node", address = "Address", datacenter = "Datacenter", taggedAddresses = "TaggedAddresses"
            case meta = "Meta", createIndex = "CreateIndex", modifyIndex = "ModifyIndex"
        }
    }

    /// `api.AgentService` as `/v1/health/service` nests it: one running container.
    struct AgentService: Encodable, Hashable {
        var kind = ""
        var id: String
        var service: String
        var tags: [String]
        var meta: [String: String]
        var port: Int
        var address: String
        var taggedAddresses: [String: [String: String]] = [:]
        var weights = ConsulShapes.Weights()
        var enableTagOverride = false
        var datacenter = ConsulShapes.datacenter
        var createIndex: UInt64
        var modifyIndex: UInt64

        enum CodingKeys: String, CodingKey {
            case kind = "Kind", id = "ID", service = "Service", tags = "Tags", meta = "Meta", port = "Port", address = "Address"
            case taggedAddresses = "TaggedAddresses", weights = "Weights", enableTagOverride = "EnableTagOverride"
            case datacenter = "Datacenter", createIndex = "CreateIndex", modifyIndex = "ModifyIndex"
        }
    }

    /// `api.HealthCheckDefinition`: the HTTP probe of a service check, else empty.
    struct CheckDefinition: Encodable, Hashable {
        var http: String?
        var interval: String?
        var timeout: String?

        enum CodingKeys: String, CodingKey {
            case http = "HTTP", interval = "Interval", timeout = "Timeout"
        }
    }

    /// `api.HealthCheck`: a node's `serfHealth` or a container's service check.
    struct HealthCheck: Encodable, Hashable {
        var node: String
        var checkID: String
        var name: String
        var status: String
        var notes = ""
        var output: String
        var serviceID: String
        var serviceName: String
        var serviceTags: [String]
        var type: String
        var exposedPort = 0
        var definition: CheckDefinition
        var createIndex: UInt64
        var modifyIndex: UInt64

        enum CodingKeys: String, CodingKey {
            case node = "Node", checkID = "CheckID", name = "Name", status = "Status", notes = "Notes", output = "Output"
            case serviceID = "ServiceID", serviceName = "ServiceName", serviceTags = "ServiceTags", type = "Type"
            case exposedPort = "ExposedPort", definition = "Definition", createIndex = "CreateIndex", modifyIndex = "ModifyIndex"
        }
    }

    /// `api.ServiceEntry`, an item of `/v1/health/service/:name`.
    struct ServiceEntry: Encodable, Hashable {
        var node: Node
        var service: AgentService
        var checks: [HealthCheck]

        enum CodingKeys: String, CodingKey {
            case node = "Node", service = "Service", checks = "Checks"
        }
    }

    /// `api.CatalogService`, an item of `/v1/catalog/service/:name`.
    struct CatalogService: Encodable, Hashable {
        var id: String
        var node: String
        var address: String
        var datacenter = ConsulShapes.datacenter
        var taggedAddresses: [String: String]
        var nodeMeta: [String: String]
        var serviceKind = ""
        var serviceID: String
        var serviceName: String
        var serviceTags: [String]
        var serviceAddress: String
        var serviceTaggedAddresses: [String: [String: String]] = [:]
        var serviceWeights = ConsulShapes.Weights()
        var serviceMeta: [String: String]
        var servicePort: Int
        var serviceEnableTagOverride = false
        var createIndex: UInt64
        var modifyIndex: UInt64

        enum CodingKeys: String, CodingKey {
            case id = "ID", node = "Node", address = "Address", datacenter = "Datacenter", taggedAddresses = "TaggedAddresses"
            case nodeMeta = "NodeMeta", serviceKind = "ServiceKind", serviceID = "ServiceID", serviceName = "ServiceName"
            case serviceTags = "ServiceTags", serviceAddress = "ServiceAddress"
            case serviceTaggedAddresses = "ServiceTaggedAddresses", serviceWeights = "ServiceWeights"
            case serviceMeta = "ServiceMeta", servicePort = "ServicePort", serviceEnableTagOverride = "ServiceEnableTagOverride"
            case createIndex = "CreateIndex", modifyIndex = "ModifyIndex"
        }
    }
}
