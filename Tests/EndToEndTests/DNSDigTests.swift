import BerthClient
import BerthTesting
import Foundation
import Testing

/// `berth serve`'s DNS server asked by Debian's `dig`, as an operator would: every name form and
/// record type, the negative answers, truncation then TCP for a 200-replica service, and a status
/// report reaching the next answers. Containers are placed by the server's scheduler and reported
/// running and healthy through the API, as agents report them.
@Suite(.heavy) struct DNSDigTests {
    /// What dig printed, by section.
    struct Dig: CustomStringConvertible {
        var status = ""
        var flags: Set<String> = []
        var answer: [[String]] = []
        var authority: [[String]] = []
        var additional: [[String]] = []
        var raw = ""

        /// The data of the answer records of a type (A → addresses, SRV → "1 1 8080 target").
        func answers(_ type: String) -> [String] {
            answer.filter { $0.count > 4 && $0[3] == type }.map { $0[4...].joined(separator: " ") }
        }

        var description: String { raw }
    }

    static func dig(_ port: Int, _ arguments: [String]) async throws -> Dig {
        let run = try await ChildProcess.run(
            try Tools.require("dig"), ["@127.0.0.1", "-p", String(port), "+time=3", "+tries=1", "+norecurse"] + arguments, timeout: .seconds(30)
        )
        var dig = Dig(raw: run.output)
        var section: WritableKeyPath<Dig, [[String]]>?
        for line in run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if let range = line.range(of: "status: ") {
                dig.status = String(line[range.upperBound...].prefix { $0 != "," })
            } else if line.hasPrefix(";; flags:") {
                let flags = line.dropFirst(";; flags:".count).prefix { $0 != ";" }
                dig.flags = Set(flags.split(separator: " ").map(String.init))
            } else if line.hasPrefix(";; ANSWER SECTION") {
                section = \.answer
            } else if line.hasPrefix(";; AUTHORITY SECTION") {
                section = \.authority
            } else if line.hasPrefix(";; ADDITIONAL SECTION") {
                section = \.additional
            } else if line.isEmpty || line.hasPrefix(";") {
                if line.isEmpty { section = nil }
            } else if let section {
                dig[keyPath: section].append(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init))
            }
        }
        return dig
    }

    struct Item: Decodable, Sendable {
        var id: String
        var state: String
        var ip: String?
    }

    /// Waits for the scheduler to place every replica of `service`, reports each running and
    /// healthy, and returns them.
    static func runAll(_ server: ServerProcess, service: String, count: Int) async throws -> [Item] {
        var placed: [Item] = []
        try await eventually("\(count) replicas of \(service) placed") {
            placed = try await server.client.list(Item.self, "/v1/containers?service=\(service)").value.items.filter { $0.ip != nil }
            return placed.count == count
        }
        for item in placed {
            _ = try server.client.expectOK(try await server.client.put("/v1/containers/\(item.id)/status", json: ["state": "running"], method: "PUT"))
        }
        return placed
    }

    static func start(_ folder: URL, _ extra: [String] = []) async throws -> (ServerProcess, Int) {
        let server = try await ServerProcess(
            database: folder.appendingPathComponent("berth.db").path, extra: ["--node-timeout", "1h", "--dns", "127.0.0.1:0"] + extra
        )
        let port = try #require(server.dnsPort, "no `berth dns on` line in \(server.child.output)")
        let node = #"{"address":"198.18.0.10","capacity":{"cpu":1000000,"memory":1000000}}"#
        _ = try server.client.expectOK(try await server.client.send("PUT", "/v1/nodes/n1", body: Data(node.utf8)))
        return (server, port)
    }

    static func put(_ server: ServerProcess, _ path: String, _ body: String) async throws {
        _ = try server.client.expectOK(try await server.client.send(path.hasPrefix("/v1/containers") ? "POST" : "PUT", path, body: Data(body.utf8)))
    }

    @Test(.requires("dig"))
    func everyNameAndRecordType() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (server, port) = try await Self.start(folder, ["--dns-ttl", "7s"])
        try await Self.put(server, "/v1/services/web", #"{"replicas":2,"template":{"image":"web:1","resources":{"cpu":10,"memory":10},"ports":[{"name":"http","containerPort":8080}]},"ports":[{"name":"web","port":80,"targetPort":8080}]}"#)
        try await Self.put(server, "/v1/services/db", #"{"replicas":3,"endpointMode":"dnsrr","template":{"image":"pg:16","resources":{"cpu":10,"memory":10},"ports":[{"name":"pg","containerPort":5432}]}}"#)
        try await Self.put(server, "/v1/containers", #"{"name":"once","image":"busybox","resources":{"cpu":10,"memory":10}}"#)
        let web = try await Self.runAll(server, service: "web", count: 2)
        let db = try await Self.runAll(server, service: "db", count: 3)
        var once: [Item] = []
        try await eventually("the standalone container is placed") {
            once = try await server.client.list(Item.self, "/v1/containers").value.items.filter { $0.ip != nil && !web.map(\.id).contains($0.id) && !db.map(\.id).contains($0.id) }
            return once.count == 1
        }
        struct VIP: Decodable { var vip: String; var endpointMode: String }
        let vip = try server.client.expectOK(try await server.client.get("/v1/services/web")).decode(VIP.self)
        #expect(vip.endpointMode == "vip")
        // The change hub has handed the reports to the zone by the time the answers settle.
        try await eventually("web's SRV answer lists both replicas") {
            try await Self.dig(port, ["web.service.berth", "SRV"]).answers("SRV").count == 2
        }

        let a = try await Self.dig(port, ["web.service.berth", "A"])
        #expect(a.status == "NOERROR" && a.flags.contains("aa") && !a.flags.contains("tc"), "\(a)")
        #expect(a.answers("A") == [vip.vip], "\(a)")
        #expect(a.answer.first?[1] == "7", "--dns-ttl: \(a)")

        for name in ["web.service.berth", "_http._tcp.web.service.berth", "_web._tcp.web.service.berth"] {
            let srv = try await Self.dig(port, [name, "SRV"])
            let expected = web.map { "1 1 8080 \($0.id).container.berth." }.sorted()
            #expect(srv.answers("SRV").sorted() == expected, "\(srv)")
            let glue = srv.additional.filter { $0.count > 4 && $0[3] == "A" }.map { "\($0[0]) \($0[4])" }.sorted()
            #expect(glue == web.map { "\($0.id).container.berth. \($0.ip!)" }.sorted(), "\(srv)")
        }

        // dnsrr: the replicas' addresses, the first one changing from answer to answer.
        var firsts = Set<String>()
        for _ in 0..<3 {
            let rr = try await Self.dig(port, ["DB.Service.Berth", "A"])
            #expect(Set(rr.answers("A")) == Set(db.compactMap(\.ip)), "\(rr)")
            firsts.formUnion(rr.answers("A").prefix(1))
        }
        #expect(firsts.count == 3, "rotated: \(firsts)")
        #expect(try await Self.dig(port, ["_pg._tcp.db.service.berth", "SRV"]).answers("SRV").count == 3)

        #expect(try await Self.dig(port, ["once.container.berth", "A"]).answers("A") == [once[0].ip!])
        #expect(try await Self.dig(port, ["\(web[0].id).container.berth", "A"]).answers("A") == [web[0].ip!])
        #expect(try await Self.dig(port, ["n1.node.berth", "A"]).answers("A") == ["198.18.0.10"])
        let soa = try await Self.dig(port, ["berth", "SOA"])
        #expect(soa.answer.first?[3] == "SOA" && soa.answer.first?[4] == "ns.berth." && soa.answer.first?[5] == "hostmaster.berth.", "\(soa)")
        let ns = try await Self.dig(port, ["berth", "NS"])
        #expect(ns.answers("NS") == ["ns.berth."], "\(ns)")
        #expect(ns.additional.contains { $0.first == "ns.berth." && $0.last == "127.0.0.1" }, "\(ns)")

        let nx = try await Self.dig(port, ["nope.service.berth", "A"])
        #expect(nx.status == "NXDOMAIN" && nx.answer.isEmpty && nx.authority.first?[3] == "SOA" && nx.flags.contains("aa"), "\(nx)")
        let nodata = try await Self.dig(port, ["web.service.berth", "AAAA"])
        #expect(nodata.status == "NOERROR" && nodata.answer.isEmpty && nodata.authority.first?[3] == "SOA", "\(nodata)")
        let refused = try await Self.dig(port, ["example.com", "A"])
        #expect(refused.status == "REFUSED", "\(refused)")
        let badvers = try await Self.dig(port, ["+edns=1", "+noednsnegotiation", "web.service.berth", "A"])
        #expect(badvers.status == "BADVERS", "\(badvers)")
        let tcp = try await Self.dig(port, ["+tcp", "web.service.berth", "A"])
        #expect(tcp.answers("A") == [vip.vip], "\(tcp)")

        // The queries were counted by type and rcode, and timed.
        let metrics = try await server.client.get("/metrics").text
        #expect(metrics.contains(#"berth_dns_queries_total{type="A",rcode="NXDOMAIN"}"#), "\(metrics.suffix(3000))")
        #expect(metrics.contains(#"berth_dns_queries_total{type="SRV",rcode="NOERROR"}"#))
        #expect(metrics.contains(#"berth_dns_queries_total{type="A",rcode="REFUSED"}"#))
        #expect(metrics.contains("berth_dns_answer_duration_seconds_bucket"))
        #expect(await server.stop() == 0)
    }

    @Test(.requires("dig"))
    func twoHundredTargetsTruncateOverUDPThenComeWholeOverTCP() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (server, port) = try await Self.start(folder)
        try await Self.put(server, "/v1/services/big", #"{"replicas":200,"endpointMode":"dnsrr","template":{"image":"big:1","resources":{"cpu":1,"memory":1},"ports":[{"name":"http","containerPort":8080}]}}"#)
        let replicas = try await Self.runAll(server, service: "big", count: 200)
        try await eventually("all 200 replicas answer over TCP") {
            try await Self.dig(port, ["+tcp", "big.service.berth", "SRV"]).answers("SRV").count == 200
        }
        for type in ["A", "SRV"] {
            let udp = try await Self.dig(port, ["+ignore", "+noedns", "big.service.berth", type])
            #expect(udp.flags.contains("tc"), "\(udp)")
            #expect(!udp.answer.isEmpty && udp.answer.count < 200, "\(udp)")
            let edns = try await Self.dig(port, ["+ignore", "+bufsize=1232", "big.service.berth", type])
            #expect(edns.flags.contains("tc") && edns.answer.count > udp.answer.count && edns.answer.count < 200, "\(edns)")
            // dig's own behaviour on TC: it asks again over TCP and gets everything.
            let retried = try await Self.dig(port, ["big.service.berth", type])
            #expect(retried.raw.contains("Truncated, retrying in TCP mode"), "\(retried)")
            #expect(!retried.flags.contains("tc") && retried.answer.count == 200, "\(retried)")
        }
        let srv = try await Self.dig(port, ["+tcp", "big.service.berth", "SRV"])
        #expect(Set(srv.additional.filter { $0.count > 4 && $0[3] == "A" }.map { $0[4] }) == Set(replicas.compactMap(\.ip)))
        #expect(await server.stop() == 0)
    }

    @Test(.requires("dig"))
    func aStatusReportShowsInTheNextAnswers() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (server, port) = try await Self.start(folder)
        try await Self.put(server, "/v1/services/api", #"{"replicas":3,"endpointMode":"dnsrr","template":{"image":"api:1","resources":{"cpu":10,"memory":10},"ports":[{"name":"http","containerPort":8080}]}}"#)
        let replicas = try await Self.runAll(server, service: "api", count: 3)
        try await eventually("three addresses") { try await Self.dig(port, ["api.service.berth", "A"]).answers("A").count == 3 }

        // One replica fails its health check: gone from the next answers (dig itself takes
        // milliseconds; the zone follows within the freshness budget, measured by berth-bench).
        let sick = replicas[0]
        _ = try server.client.expectOK(try await server.client.put("/v1/containers/\(sick.id)/status", json: ["state": "running", "healthy": false] as [String: AnyCodable], method: "PUT"))
        let clock = ContinuousClock()
        let reported = clock.now
        try await eventually("the unhealthy replica leaves the answer", timeout: .seconds(60), poll: .milliseconds(5)) {
            let answer = try await Self.dig(port, ["api.service.berth", "A"]).answers("A")
            return answer.count == 2 && !answer.contains(sick.ip!)
        }
        // How soon is the benchmark's claim (berth-bench dns, freshness); a test on a busy machine
        // shows only that the next answers follow the report.
        print("measured: status report → answer without the replica in \(clock.now - reported)")
        // It comes back, then the service goes away altogether.
        _ = try server.client.expectOK(try await server.client.put("/v1/containers/\(sick.id)/status", json: ["state": "running", "healthy": true] as [String: AnyCodable], method: "PUT"))
        try await eventually("the replica is back", timeout: .seconds(60), poll: .milliseconds(5)) {
            try await Self.dig(port, ["api.service.berth", "A"]).answers("A").contains(sick.ip!)
        }
        _ = try await server.client.delete("services", "api")
        try await eventually("the service's name is gone", timeout: .seconds(60), poll: .milliseconds(5)) {
            try await Self.dig(port, ["api.service.berth", "A"]).status == "NXDOMAIN"
        }
        #expect(await server.stop() == 0)
    }

    @Test func dnsOffBindsNothing() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try await ServerProcess(database: folder.appendingPathComponent("berth.db").path, extra: ["--dns", "off"])
        #expect(server.dnsPort == nil)
        // What the server says of DNS, with the folder's path taken out (a checkout or a
        // TMPDIR may have "dns" in its name).
        let said = server.child.output.replacingOccurrences(of: folder.path, with: "<folder>")
        #expect(!said.contains("dns"), "\(said)")
        #expect(await server.stop() == 0)
    }

    @Test(arguments: [["--dns", "8600"], ["--dns", "[::1]:53"], ["--dns-domain", "a..b"], ["--dns-ttl", "1.5s"], ["--dns-threads", "0"]])
    func badDNSFlagsAreRefused(flags: [String]) async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("berth.db").path
        let run = try await BerthBinary.run(["serve", "--db", db, "--listen", "127.0.0.1:0"] + flags, timeout: .seconds(30))
        #expect(run.status != 0)
        #expect(run.stderr.contains(flags[0]), "\(run.output)")
    }
}

/// A JSON value of either kind the status body needs.
enum AnyCodable: Encodable, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
    case string(String)
    case bool(Bool)
    init(stringLiteral value: String) { self = .string(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        }
    }
}
