import BerthControllers
import BerthCore
import BerthStore
import Foundation
import GRDB
import Testing

/// A service's ingress rules ride in its target document; so do its members (running containers
/// with an address, healthy or not) once some rule names it, and every change to them is then a
/// `target` event logged in the transaction that made it: an agent following the feed never
/// reads a stale member list. A service no rule names lists none and logs nothing for them.
@Suite struct MembersTests {
    typealias H = ControllerHarness
    static let now = Date(timeIntervalSince1970: 1_000_000)

    static let api = ServiceSpec(
        replicas: 2,
        template: ContainerTemplate(image: "api:1", ports: [ContainerPort(name: "http", containerPort: 8080)], healthCheck: HealthCheck(http: "/h")),
        ports: [ServicePort(port: 80, targetPort: 8080)]
    )
    static let dbRules = [
        IngressRule(from: [.service("api"), .cidr(CIDR("203.0.113.0/24")!)], ports: [IngressRule.Port(port: 5432)]),
        IngressRule(from: [.service("not-yet")]),
    ]
    static let db = ServiceSpec(
        replicas: 0, template: ContainerTemplate(image: "db:1"), loadBalancer: LoadBalancer(algorithm: .sourceHash, affinityTimeout: .seconds(600)),
        ingress: dbRules
    )

    /// The `target` events of `service` after `index`, decoded, each with its change index.
    static func targetEvents(_ h: H, _ service: String, after index: UInt64) async throws -> [(index: UInt64, targets: ServiceTargets)] {
        let page = try await h.store.readDatabase { db in try ChangeLog.page(db, after: index, limit: 10_000, kind: .target) }.value
        return try page.events.filter { $0.name == service }.map { ($0.index, try JSONDecoder().decode(ServiceTargets.self, from: Data($0.object.utf8))) }
    }

    static func index(_ h: H) async throws -> UInt64 {
        try await h.store.readDatabase { db in try ChangeLog.current(db) }.value
    }

    @Test func membersFollowRunningContainersWithAnEventInTheSameWrite() async throws {
        try await H.with { h in
            try await h.addNode("n1", address: "192.168.0.1")
            try await h.addNode("n2", address: "192.168.0.2")
            try await h.putService("db", Self.db)  // its rules name api: api is a policy source
            try await h.putService("api", Self.api)
            #expect(try await h.targets("api").members == [], "a source with nothing running")
            var mark = try await Self.index(h)

            // Placement moves containers to `scheduled`: no member, no target event.
            try await h.reconcile(now: Self.now)
            let containers = try await h.containers(service: "api")
            #expect(containers.count == 2 && containers.allSatisfy { $0.state == .scheduled && $0.ip != nil })
            #expect(try await Self.targetEvents(h, "api", after: mark).isEmpty)
            let (a, b) = (containers[0], containers[1])

            // Starting is not running: nothing.
            try await h.report(a.id, StatusReport(state: .starting))
            #expect(try await Self.targetEvents(h, "api", after: mark).isEmpty)

            // Running but not yet healthy: a member, not a target, and one event at the report's index.
            try await h.report(a.id, StatusReport(state: .running))
            var events = try await Self.targetEvents(h, "api", after: mark)
            let reported = try #require(try await h.containers(service: "api").first { $0.id == a.id })
            #expect(events.map(\.index) == [reported.modifyIndex])
            let member = ServiceTargets.Member(container: a.id, ip: try #require(a.ip), node: try #require(a.node))
            #expect(events.last?.targets.members == [member])
            #expect(events.last?.targets.targets.isEmpty == true)
            #expect(try await h.targets("api").members == [member], "the GET agrees with the event")
            mark = try await Self.index(h)

            // Healthy: a target too; the member list is unchanged and still in the document.
            try await h.report(a.id, StatusReport(state: .running, healthy: true))
            events = try await Self.targetEvents(h, "api", after: mark)
            #expect(events.count == 1)
            #expect(events.last?.targets.targets.map(\.container) == [a.id])
            #expect(events.last?.targets.members == [member])
            mark = try await Self.index(h)

            // Unhealthy again: still a member (policy ignores health).
            try await h.report(a.id, StatusReport(state: .running, healthy: false))
            #expect(try await Self.targetEvents(h, "api", after: mark).last?.targets.members == [member])

            // A report that changes nothing member- or target-wise logs no target event.
            mark = try await Self.index(h)
            try await h.report(a.id, StatusReport(state: .running, healthy: false, reason: "still warming up"))
            #expect(try await Self.targetEvents(h, "api", after: mark).isEmpty)

            // b runs too: both, sorted by id.
            try await h.report(b.id, StatusReport(state: .running))
            #expect(try await h.targets("api").members?.map(\.container) == [a.id, b.id].sorted())

            // a exits: it leaves, in the same write.
            mark = try await Self.index(h)
            try await h.report(a.id, StatusReport(state: .exited, exitCode: 0))
            events = try await Self.targetEvents(h, "api", after: mark)
            #expect(events.count == 1)
            #expect(events.last?.targets.members?.map(\.container) == [b.id])

            // b's node is removed: b is lost and leaves.
            mark = try await Self.index(h)
            _ = try await h.store.write { tx in try NodeRepository.delete(tx, name: try #require(b.node)).name }
            #expect(try await Self.targetEvents(h, "api", after: mark).last?.targets.members == [])
            #expect(try await h.targets("api").members == [])
        }
    }

    @Test func deletingARunningContainerDropsItsMembership() async throws {
        try await H.with { h in
            try await h.addNode("n1", address: "192.168.0.1")
            try await h.putService("db", Self.db)
            try await h.putService("api", { var s = Self.api; s.replicas = 1; return s }())
            try await h.reconcile(now: Self.now)
            let id = try #require(try await h.containers(service: "api").first?.id)
            try await h.report(id, StatusReport(state: .running))
            #expect(try await h.targets("api").members?.count == 1)
            let mark = try await Self.index(h)
            _ = try await h.store.write { tx in try ContainerRepository.delete(tx, id: id).id }
            let events = try await Self.targetEvents(h, "api", after: mark)
            #expect(events.count == 1)
            #expect(events.last?.targets.members == [])
        }
    }

    @Test func onlyPolicySourcesListMembersAndLogEventsForThem() async throws {
        try await H.with { h in
            try await h.addNode("n1", address: "192.168.0.1")
            // api, with no health check and no port: no targets, and (no rule names it) no members.
            try await h.putService("api", ServiceSpec(replicas: 1, template: ContainerTemplate(image: "api:1")))
            try await h.reconcile(now: Self.now)
            let a = try #require(try await h.containers(service: "api").first)
            var mark = try await Self.index(h)
            try await h.report(a.id, StatusReport(state: .running))
            #expect(try await Self.targetEvents(h, "api", after: mark).isEmpty, "a replica starting logs nothing for a non-source")
            #expect(try await h.targets("api").members == nil)

            // A rule names api: in that write, api's document gains its members.
            mark = try await Self.index(h)
            try await h.putService("db", Self.db)
            var events = try await Self.targetEvents(h, "api", after: mark)
            let dbIndex = try #require(try await h.store.readDatabase { db in try ServiceRepository.fetch(db, "db") }.value?.modifyIndex)
            #expect(events.map(\.index) == [dbIndex])
            let member = ServiceTargets.Member(container: a.id, ip: try #require(a.ip), node: "n1")
            #expect(events.last?.targets.members == [member])

            // Now its replicas stopping are events.
            mark = try await Self.index(h)
            try await h.report(a.id, StatusReport(state: .exited, exitCode: 0))
            #expect(try await Self.targetEvents(h, "api", after: mark).last?.targets.members == [])

            // The rule goes (db deleted): api's document loses its members, in that write.
            mark = try await Self.index(h)
            _ = try await h.store.write { tx in try ServiceRepository.delete(tx, name: "db").name }
            events = try await Self.targetEvents(h, "api", after: mark)
            #expect(events.count == 1 && events.last?.targets.members == nil)

            // A service named before it exists lists its (no) members from its creation on.
            try await h.putService("db", Self.db)
            try await h.putService("not-yet", ServiceSpec(replicas: 0, template: ContainerTemplate(image: "x")))
            #expect(try await h.targets("not-yet").members == [])
            // A rule naming its own service makes it a source too; dropping it, no longer.
            try await h.putService("db", { var s = Self.db; s.ingress = [IngressRule(from: [.service("db")])]; return s }())
            #expect(try await h.targets("db").members == [])
            #expect(try await h.targets("not-yet").members == nil, "no rule names it any more")
            try await h.putService("db", { var s = Self.db; s.ingress = []; return s }())
            #expect(try await h.targets("db").members == nil)
            let rows = try await h.store.readDatabase { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ingress_sources") }.value
            #expect(rows == 0)
        }
    }

    @Test func rulesAndAffinityAreInTheDocumentAndChangingThemIsAnEvent() async throws {
        try await H.with { h in
            try await h.putService("db", Self.db)
            let stored = try await h.targets("db")
            #expect(stored.ingress == Self.dbRules)
            #expect(stored.loadBalancer == LoadBalancer(algorithm: .sourceHash, affinityTimeout: .seconds(600)))
            let service = try await h.store.readDatabase { db in try ServiceRepository.fetch(db, "db") }.value
            #expect(service?.spec.ingress == Self.dbRules, "stored and read back")

            var mark = try await Self.index(h)
            try await h.putService("db", { var s = Self.db; s.ingress = []; return s }())
            var events = try await Self.targetEvents(h, "db", after: mark)
            #expect(events.count == 1)
            #expect(events.last?.targets.ingress.isEmpty == true, "removing the rules opens db: agents learn it from the feed")

            mark = try await Self.index(h)
            try await h.putService("db", { var s = Self.db; s.ingress = []; s.loadBalancer.affinityTimeout = .seconds(60); return s }())
            events = try await Self.targetEvents(h, "db", after: mark)
            #expect(events.last?.targets.loadBalancer.affinityTimeout == .seconds(60))

            mark = try await Self.index(h)
            try await h.putService("db", { var s = Self.db; s.ingress = []; s.loadBalancer.affinityTimeout = .seconds(60); s.replicas = 1; return s }())
            #expect(try await Self.targetEvents(h, "db", after: mark).isEmpty, "a replica count is not in the document")
        }
    }

    @Test func anExistingDatabaseGainsTheColumnWithNoRules() async throws {
        try await H.with { h in
            try await h.putService("old", ServiceSpec(template: ContainerTemplate(image: "x")))
            let text = try await h.store.readDatabase { db in try String.fetchOne(db, sql: "SELECT ingress FROM services WHERE name = 'old'") }.value
            #expect(text == "[]")
        }
    }
}
