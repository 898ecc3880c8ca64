@testable import BerthAPI
import BerthCore
import BerthStore
import Foundation
import BerthTesting
import Testing

/// The pure parts of the Consul catalog: the mapping from one snapshot, the content index and
/// the query parser, without a server.
@Suite struct ConsulMappingTests {
    static func node(_ name: String, address: String = "192.0.2.1", status: NodeStatus = .ready, labels: [String: String] = [:]) -> Node {
        Node(name: name, address: address, labels: labels, capacity: Resources(cpu: 1000, memory: 1024), status: status, createIndex: 3, modifyIndex: 90)
    }

    static func instance(
        _ id: String, node: String, ports: [DiscoveryInstance.Port] = [.init(name: "http", port: 8080, hostPort: nil)],
        check: HealthCheck? = nil, healthy: Bool? = nil
    ) -> DiscoveryInstance {
        DiscoveryInstance(
            container: id, name: nil, service: "web", node: node, nodeAddress: node == "n1" ? "192.0.2.1" : "192.0.2.2",
            ip: "10.88.0.\(id.count)", ports: ports, healthCheck: check, healthy: healthy, reason: nil, createIndex: 7, modifyIndex: 8
        )
    }

    static let web = Service(name: "web", spec: ServiceSpec(template: ContainerTemplate(image: "x"), labels: ["traefik.enable": "true"]))

    @Test func addressesFollowTheLoadBalancersRule() {
        let published = Self.instance("aa", node: "n1", ports: [.init(name: "http", port: 8080, hostPort: 31000), .init(name: "admin", port: 9000, hostPort: nil)])
        let plain = Self.instance("bb", node: "n2")
        let portless = Self.instance("cc", node: "n2", ports: [])
        let view = ConsulCatalogView(DiscoveryCatalog(
            services: [Self.web], instances: ["web": [published, plain, portless]], nodes: [Self.node("n1"), Self.node("n2", address: "192.0.2.2")]
        ))
        let entries = view.catalogService("web", .init())
        #expect(entries.map(\.serviceID) == ["aa", "bb", "cc"])
        #expect((entries[0].serviceAddress, entries[0].servicePort) == ("192.0.2.1", 31000), "a published port: the node's address and host port")
        #expect(entries[0].serviceMeta == ["port-http": "31000", "port-admin": "9000"])
        #expect((entries[1].serviceAddress, entries[1].servicePort) == ("10.88.0.2", 8080), "else the container's address and port")
        #expect((entries[2].servicePort, entries[2].serviceAddress) == (0, "10.88.0.2"), "no port: port 0")
        #expect(entries[0].serviceTags == ["traefik.enable=true"])
        #expect(entries[0].id == ConsulNodeID.of("n1"))
        #expect(entries[0].modifyIndex == 8)
    }

    @Test func checksPassWhenTheContainerIsATargetAndItsNodeIsReady() {
        let check = HealthCheck(http: "/health")
        let catalog = DiscoveryCatalog(
            services: [Self.web],
            instances: ["web": [
                Self.instance("a1", node: "n1", check: check, healthy: true),
                Self.instance("a2", node: "n1", check: check, healthy: false),
                Self.instance("a3", node: "n1", check: check, healthy: nil),
                Self.instance("a4", node: "n2"),
            ]],
            nodes: [Self.node("n1"), Self.node("n2", status: .down)]
        )
        let view = ConsulCatalogView(catalog)
        let entries = view.healthService("web", .init())
        let statuses = entries.map { $0.checks.map(\.status) }
        #expect(statuses == [["passing", "passing"], ["passing", "critical"], ["passing", "critical"], ["critical", "passing"]])
        #expect(entries[0].checks[1].type == "http")
        #expect(entries[3].checks[1].type == "", "no health check: a running container passes")
        #expect(entries[0].checks[1].definition.http == "http://10.88.0.2:8080/health")
        #expect(entries[0].node.modifyIndex == 3, "a node shows its registration's index, not its last heartbeat's")
        #expect(view.healthService("web", .init(passingOnly: true)).map(\.service.id) == ["a1"])
        #expect(view.healthService("web", .init(nodeMeta: ["zone": "a"])).isEmpty)
        #expect(view.healthService("web", .init(tags: ["traefik.enable=true"])).count == 4)
        #expect(view.healthService("nope", .init()).isEmpty)
        let all = view.checks(state: "any")
        #expect(all.count == 6)
        #expect(all.map(\.node) == all.map(\.node).sorted())
        #expect(view.checks(state: "critical").map(\.checkID) == ["service:a2", "service:a3", "serfHealth"])
    }

    @Test func nodeIDsAreStableUUIDs() {
        #expect(ConsulNodeID.of("n1") == ConsulNodeID.of("n1"))
        #expect(ConsulNodeID.of("n1") != ConsulNodeID.of("n2"))
        #expect(UUID(uuidString: ConsulNodeID.of("worker-17")) != nil)
    }

    @Test func answersKeepTheirIndexUntilTheyChange() {
        let indexes = ConsulIndexes()
        #expect(indexes.index(for: "q", body: Array("a".utf8), readAt: 10) == 10)
        #expect(indexes.index(for: "q", body: Array("a".utf8), readAt: 15) == 10, "the same answer keeps its index")
        #expect(indexes.index(for: "q", body: Array("b".utf8), readAt: 20) == 20, "a new answer takes the index it was read at")
        #expect(indexes.index(for: "q", body: Array("c".utf8), readAt: 12) == 21, "read from an older snapshot: still forward")
        #expect(indexes.index(for: "other", body: Array("a".utf8), readAt: 0) == 21, "a new query starts at the highest index handed out")
        #expect(ConsulIndexes().index(for: "q", body: [], readAt: 0) == 1, "never 0")
    }

    @Test(arguments: TestSeeds.or([1, 2, 3]))
    func indexesNeverGoBackwardsUnderRacingSnapshotsAndForgetting(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let indexes = ConsulIndexes(capacity: 3)
        var last: [String: UInt64] = [:]
        var global: UInt64 = 1
        for _ in 0..<5_000 {
            global += random.next() % 3
            let query = "q\(random.next() % 5)"
            let readAt = global - min(global - 1, random.next() % 4)
            let index = indexes.index(for: query, body: [UInt8(random.next() % 3)], readAt: readAt)
            #expect(index >= last[query] ?? 0, "seed \(seed), \(query): \(index) after \(last[query] ?? 0)")
            last[query] = index
        }
    }

    @Test func queriesParseAsGoDoes() throws {
        let query = try ConsulRequest(query: "index=42&wait=60000ms&stale=&tag=traefik.enable%3Dtrue&tag=urlprefix-/a+b&passing=1&node-meta=zone:a")
        #expect(query.index == 42)
        #expect(query.wait == .seconds(60))
        #expect(query.filter.tags == ["traefik.enable=true", "urlprefix-/a b"])
        #expect(query.filter.passingOnly)
        #expect(query.filter.nodeMeta == ["zone": "a"])
        #expect(query.blocks)
        #expect(try ConsulRequest(query: "wait=1h").wait == .seconds(600), "capped at 10m")
        #expect(try ConsulRequest(query: nil).wait == .seconds(300))
        #expect(try !ConsulRequest(query: "index=0").blocks)
        #expect(try ConsulRequest(query: "passing").filter.passingOnly)
        #expect(try ConsulRequest(query: "tag=a").key(path: "p") != ConsulRequest(query: "tag=b").key(path: "p"))
        #expect(try ConsulRequest(query: "index=1&wait=1s").key(path: "p") == ConsulRequest(query: "index=9").key(path: "p"))
        for bad in ["index=-1", "wait=10", "passing=maybe", "filter=x", "node-meta=nocolon"] {
            #expect(throws: ConsulError.self, "\(bad)") { try ConsulRequest(query: bad) }
        }
        let dc = #expect(throws: ConsulError.self) { try ConsulRequest(query: "dc=other") }
        #expect(dc?.status == .internalServerError)
    }
}
