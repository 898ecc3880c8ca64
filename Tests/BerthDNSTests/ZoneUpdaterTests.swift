import BerthCore
import BerthDNS
import BerthDNSWire
import BerthStore
import BerthTesting
import Testing

/// The zone follows the store: loaded once, then each batch of commits re-read by key. The
/// incremental result must equal a fresh load after every step.
struct ZoneUpdaterTests {
    /// The answer the updater's table gives, as text (rcode and answer records).
    static func ask(_ table: DNSAnswerTable, _ name: String, _ type: DNSType) throws -> String {
        let responder = DNSResponder(zone: ZoneFixture.zone, table: table)
        var session = DNSResponder.Session(metrics: responder.metrics)
        var out: [UInt8] = []
        let query = ResponderHarness.query(name, type)
        _ = query.withUnsafeBytes { responder.respond(to: $0, over: .tcp, session: &session, into: &out) }
        let message = try DNSMessage(parsing: out)
        return ([message.rcode.description] + message.answers.map(ZoneTests.text).map { String($0.split(separator: " ", maxSplits: 1)[1]) })
            .joined(separator: " | ")
    }

    @Test func loadsThenFollowsCommits() async throws {
        try await StoreCluster.with { cluster in
            try await cluster.node("n1", address: "198.18.0.10")
            try await cluster.service("web", replicas: 2)
            try await cluster.reconcile()
            try await cluster.run(service: "web")
            try cluster.updater.load()
            let table = cluster.updater.table
            #expect(try Self.ask(table, "web.service.berth.", .a) == "NOERROR | A 10.96.0.1")
            #expect(try Self.ask(table, "n1.node.berth.", .a) == "NOERROR | A 198.18.0.10")
            let ids = try await cluster.containers(service: "web").map(\.id).sorted()
            #expect(ids.count == 2)
            #expect(try Self.ask(table, "_admin._tcp.web.service.berth.", .srv).components(separatedBy: "SRV 1 1 9000").count == 3)
            #expect(try Self.ask(table, "web.service.berth.", .srv).components(separatedBy: "SRV").count == 5, "two replicas, two ports")

            // A replica turns unhealthy: it leaves the SRV answers, keeps its own A record.
            try await cluster.report(ids[0], .running, healthy: false)
            cluster.updater.applyPending()
            let srv = try Self.ask(table, "_http._tcp.web.service.berth.", .srv)
            #expect(!srv.contains(ids[0]) && srv.contains(ids[1]))
            #expect(try Self.ask(table, "\(ids[0]).container.berth.", .a).hasPrefix("NOERROR | A 10.88."))

            // dnsrr: the name answers the healthy replica's IP.
            try await cluster.service("web", replicas: 2, mode: .dnsrr)
            cluster.updater.applyPending()
            let ip = try await cluster.containers(service: "web").first { $0.id == ids[1] }!.ip!
            #expect(try Self.ask(table, "web.service.berth.", .a) == "NOERROR | A \(ip)")

            // The node moves; the container exits (its address goes); the service goes.
            try await cluster.node("n1", address: "198.18.0.77")
            try await cluster.report(ids[1], .exited)
            cluster.updater.applyPending()
            #expect(try Self.ask(table, "n1.node.berth.", .a) == "NOERROR | A 198.18.0.77")
            #expect(try Self.ask(table, "\(ids[1]).container.berth.", .a) == "NXDOMAIN")
            #expect(try Self.ask(table, "web.service.berth.", .a) == "NOERROR", "no healthy replica: NODATA")
            _ = try await cluster.store.write { tx in try ServiceRepository.delete(tx, name: "web") }
            cluster.updater.applyPending()
            #expect(try Self.ask(table, "web.service.berth.", .a) == "NXDOMAIN")
            #expect(try Self.ask(table, "_http._tcp.web.service.berth.", .srv) == "NXDOMAIN")
            // The SOA serial follows the change index.
            #expect(table.soa == ZoneFixture.config.soa(serial: UInt32(cluster.store.hub.current)))
        }
    }

    /// As the server runs it: the updater's own thread applies commits as they land.
    @Test func itsThreadFollowsCommitsUntilStopped() async throws {
        try await StoreCluster.with { cluster in
            try cluster.updater.load()
            cluster.updater.start()
            try await cluster.node("n7", address: "198.18.0.7")
            try await eventually("n7 answers") {
                try Self.ask(cluster.updater.table, "n7.node.berth.", .a) == "NOERROR | A 198.18.0.7"
            }
            try await cluster.node("n7", address: "198.18.0.8")
            try await eventually("n7 moved") {
                try Self.ask(cluster.updater.table, "n7.node.berth.", .a) == "NOERROR | A 198.18.0.8"
            }
            cluster.updater.stop()
            try await cluster.node("n7", address: "198.18.0.9")
            #expect(try Self.ask(cluster.updater.table, "n7.node.berth.", .a) == "NOERROR | A 198.18.0.8", "stopped: nothing applies the change")
            cluster.updater.applyPending()
            #expect(try Self.ask(cluster.updater.table, "n7.node.berth.", .a) == "NOERROR | A 198.18.0.9", "it stayed queued")
        }
    }

    /// Random writes through the server's own repositories and controller passes; after each
    /// batch the updater's state and every answer equal what a fresh load gives.
    @Test(arguments: TestSeeds.or([11, 12, 13]))
    func incrementalEqualsFullLoad(seed: UInt64) async throws {
        try await StoreCluster.with { cluster in
            var random = SplitMix64(seed: seed)
            try await cluster.node("n0", address: "198.18.0.1")
            try cluster.updater.load()
            let loader = DNSZoneLoader(store: cluster.store)
            for step in 0..<40 {
                for _ in 0..<random.int(in: 1...3) { try await Self.randomWrite(cluster, &random) }
                cluster.updater.applyPending()
                let fresh = try loader.loadAll()
                let incremental = cluster.updater.current
                #expect(incremental == fresh, "seed \(seed) step \(step)")
                let rebuilt = DNSAnswerTable(zone: ZoneFixture.zone, state: fresh)
                let names = ZoneFixture.zone.names(in: fresh).union(ZoneFixture.zone.names(in: incremental)).map(\.description).sorted()
                for name in names + ["gone.service.berth."] {
                    for type in [DNSType.a, .srv, .soa, .aaaa] {
                        #expect(try Self.ask(cluster.updater.table, name, type) == Self.ask(rebuilt, name, type), "seed \(seed) step \(step): \(name) \(type)")
                    }
                }
            }
        }
    }

    static func randomWrite(_ cluster: StoreCluster, _ random: inout SplitMix64) async throws {
        let service = "svc\(random.int(in: 0...3))"
        switch random.int(in: 0...9) {
        case 0, 1:
            try await cluster.service(service, replicas: random.int(in: 0...4), mode: random.bool() ? .vip : .dnsrr, health: random.bool())
        case 2:
            _ = try? await cluster.store.write { tx in try ServiceRepository.delete(tx, name: service) }
        case 3, 4:
            try await cluster.reconcile()
        case 5, 6:
            let placed = try await cluster.containers().filter { $0.node != nil }
            if let container = random.pick(placed) {
                let state = random.pick([StatusReport.ReportedState.running, .running, .starting, .exited])!
                try? await cluster.report(container.id, state, healthy: random.pick([true, false, nil]) ?? nil)
            }
        case 7:
            let name = random.bool() ? "c\(random.int(in: 0...5))" : nil
            _ = try? await cluster.store.write { tx in
                try ContainerRepository.create(tx, spec: ContainerSpec(name: name, template: ContainerTemplate(image: "x", resources: Resources(cpu: 1, memory: 1))))
            }
        case 8:
            if let container = random.pick(try await cluster.containers()) {
                _ = try? await cluster.store.write { tx in try ContainerRepository.delete(tx, id: container.id) }
            }
        default:
            let node = random.int(in: 0...2)
            try? await cluster.node("n\(node)", address: "198.18.\(node).\(random.int(in: 1...200))")
        }
    }
}
