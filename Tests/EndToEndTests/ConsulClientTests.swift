import BerthClient
import BerthTesting
import Foundation
import Testing

/// The built `berth serve --consul-listen` against what real Consul clients send: the exact
/// request sequences of consul-template, Prometheus' consul_sd, Traefik and Fabio (recorded in
/// `Fixtures/consul-client-requests.json` from their source), and the py-consul client itself.
@Suite(.heavy, .serialized) struct ConsulClientTests {
    static let fixtures = BerthBinary.repositoryRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures")

    /// A server with the Consul catalog on, two nodes and a service `web` of two running,
    /// healthy containers labelled for Traefik and Fabio (reported by the test as an agent
    /// would: the containers themselves do not matter to the catalog).
    struct Cluster {
        let server: ServerProcess
        let consul: BerthClient
        let reader: String
        let ids: [String]
        var wakes = 0

        static let labels: [String: String] = ["traefik.enable": "true", "primary": "", "tag.fabio": "urlprefix-/web", "team": "shop"]

        static func start(in folder: URL) async throws -> Cluster {
            let server = try await ServerProcess(
                database: folder.appendingPathComponent("berth.db").path, extra: ["--consul-listen", "127.0.0.1:0", "--node-timeout", "300s"]
            )
            let client = server.client
            for (node, zone) in [("n1", "a"), ("n2", "b")] {
                let body = #"{"address":"127.0.0.1","labels":{"zone":"\#(zone)"},"capacity":{"cpu":4000,"memory":4096}}"#
                _ = try client.expectOK(try await client.send("PUT", "/v1/nodes/\(node)", body: Data(body.utf8)))
            }
            _ = try client.expectOK(try await client.send("PUT", "/v1/services/web", body: Data(spec(labels: labels).utf8)))
            var ids: [String] = []
            try await eventually("both replicas are placed") {
                let items = try JSONSerialization.jsonObject(with: try await client.get("/v1/containers?service=web").body) as? [String: Any]
                let placed = (items?["items"] as? [[String: Any]] ?? []).filter { $0["node"] is String }
                ids = placed.compactMap { $0["id"] as? String }.sorted()
                return ids.count == 2
            }
            for id in ids {
                _ = try client.expectOK(try await client.send("PUT", "/v1/containers/\(id)/status", body: Data(#"{"state":"running","healthy":true}"#.utf8)))
            }
            let reader = try await server.issueToken(role: "reader")
            return Cluster(server: server, consul: BerthClient(server: try await server.consulURL(), token: nil), reader: reader, ids: ids)
        }

        static func spec(labels: [String: String]) -> String {
            let labelJSON = String(decoding: try! JSONSerialization.data(withJSONObject: labels, options: .sortedKeys), as: UTF8.self)
            return #"{"replicas":2,"template":{"image":"web:1","ports":[{"name":"http","containerPort":8080}],"healthCheck":{"http":"/health"}},"labels":\#(labelJSON)}"#
        }

        /// A change every catalog answer shows: a new label, hence a new tag.
        mutating func wake() async throws {
            wakes += 1
            var labels = Self.labels
            labels["wake"] = String(wakes)
            _ = try server.client.expectOK(try await server.client.send("PUT", "/v1/services/web", body: Data(Self.spec(labels: labels).utf8)))
        }
    }

    static func index(_ reply: BerthClient.Reply) -> UInt64 { reply.headers["x-consul-index"].flatMap(UInt64.init) ?? 0 }

    @Test func replaysOfRealClientsRequestSequences() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var cluster = try await Cluster.start(in: folder)
        defer { cluster.server.child.terminate() }
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("consul-client-requests.json"))
        let fixture = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let sequences = try #require(fixture["sequences"] as? [[String: Any]])
        #expect(sequences.count >= 9)
        var replayed = 0
        for sequence in sequences {
            let client = sequence["client"] as? String ?? "?"
            var last: UInt64 = 0
            var paired: [[String: Any]]?
            for request in sequence["requests"] as? [[String: Any]] ?? [] {
                let path = (request["path"] as! String).replacingOccurrences(of: "{index}", with: String(last))
                let headers = (request["headers"] as? [String: String] ?? [:]).mapValues { $0.replacingOccurrences(of: "{token}", with: cluster.reader) }
                let what = "\(client): GET \(path)"
                let reply: BerthClient.Reply
                switch request["then"] as? String {
                case "wakes", "blocks":
                    let parkedBefore = try await cluster.server.watchesWaiting() ?? 0
                    let task = Task { [consul = cluster.consul] in try await consul.send("GET", path, headers: headers) }
                    try await eventually("\(what) is parked") { (try await cluster.server.watchesWaiting() ?? 0) > parkedBefore }
                    if request["then"] as? String == "blocks" {
                        // Held by the server rather than answered at once: a client that
                        // watches it does not spin. Hang up; the server lets it go.
                        task.cancel()
                        _ = try? await task.value
                        try await eventually("\(what) is released") { (try await cluster.server.watchesWaiting() ?? 0) == parkedBefore }
                        replayed += 1
                        continue
                    }
                    try await cluster.wake()
                    reply = try await task.value
                    #expect(Self.index(reply) > last, "\(what): woken with a higher index")
                default:
                    reply = try await cluster.consul.send("GET", path, headers: headers)
                }
                replayed += 1
                #expect(reply.status == request["status"] as? Int, "\(what) answered \(reply.status): \(reply.text.prefix(300))")
                #expect(Self.index(reply) >= 1, "\(what): X-Consul-Index")
                #expect(reply.headers["x-consul-knownleader"] == "true", "\(what): X-Consul-KnownLeader")
                #expect(reply.headers["x-consul-lastcontact"] == "0", "\(what): X-Consul-LastContact")
                last = Self.index(reply)
                guard reply.status == 200 else { continue }
                let body = try JSONSerialization.jsonObject(with: reply.body)
                if request["nonEmpty"] as? Bool == true {
                    #expect((body as? [Any])?.isEmpty == false || (body as? [String: Any])?.isEmpty == false, "\(what): an empty answer")
                }
                for read in request["reads"] as? [String] ?? [] {
                    let problems = FieldCheck.problems(body, read)
                    #expect(problems.isEmpty, "\(what) reads \(read): \(problems.prefix(3))")
                }
                // Old Traefik pairs the catalog's and health's lists by position.
                if let catalog = paired {
                    let health = body as? [[String: Any]] ?? []
                    #expect(catalog.compactMap { $0["ServiceID"] as? String } == health.compactMap { ($0["Service"] as? [String: Any])?["ID"] as? String })
                    #expect(catalog.compactMap { $0["ID"] as? String } == health.compactMap { ($0["Node"] as? [String: Any])?["ID"] as? String })
                }
                paired = request["pairsWithNext"] as? Bool == true ? body as? [[String: Any]] : nil
            }
        }
        #expect(replayed >= 25)
    }

    @Test func pyConsulBlockingQueryWakesOnAChange() async throws {
        let python = BerthBinary.repositoryRoot.appendingPathComponent(".build/test-python/bin/python").path
        var usable = Tools.find(python) != nil
        if usable { usable = (try? await ChildProcess.run(python, ["-c", "import consul"], timeout: .seconds(30)))?.status == 0 }
        if !usable {
            // scripts/test installs py-consul (scripts/test-requirements.txt) into this venv.
            _ = try Tools.require("py-consul in .build/test-python (run scripts/test)")
        }
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let cluster = try await Cluster.start(in: folder)
        defer { cluster.server.child.terminate() }
        let port = cluster.consul.server.port ?? 0
        let script = Self.fixtures.appendingPathComponent("py_consul_watch.py").path
        let child = try ChildProcess(python, [script, String(port), cluster.reader, "web"], log: folder.appendingPathComponent("py-consul.log"))
        defer { child.terminate() }
        func line(_ step: String) -> [String: Any]? {
            child.output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                .first { $0["step"] as? String == step }
        }
        try await eventually("py-consul read the service") { line("first") != nil || !child.isRunning }
        let first = try #require(line("first"), "py-consul failed: \(child.output.suffix(2000))")
        #expect(line("agent")?["datacenter"] as? String == "berth")
        #expect((line("catalog")?["services"] as? [String: [String]])?["web"]?.contains("traefik.enable=true") == true)
        #expect(first["ids"] as? [String] == cluster.ids)
        try await eventually("py-consul's blocking query is parked") { (try await cluster.server.watchesWaiting() ?? 0) >= 1 }
        #expect(line("woken") == nil, "it blocks until something changes")
        _ = try cluster.server.client.expectOK(try await cluster.server.client.send(
            "PUT", "/v1/containers/\(cluster.ids[1])/status", body: Data(#"{"state":"running","healthy":false}"#.utf8)
        ))
        try await eventually("py-consul's blocking query woke") { line("woken") != nil || !child.isRunning }
        let woken = try #require(line("woken"), "py-consul failed: \(child.output.suffix(2000))")
        #expect(woken["ids"] as? [String] == [cluster.ids[0]], "the unhealthy container is gone from the passing list")
        #expect(UInt64(woken["index"] as? String ?? "") ?? 0 > UInt64(first["index"] as? String ?? "") ?? .max)
        #expect(await child.wait(timeout: .seconds(30)) == 0, "py-consul exits cleanly: \(child.output.suffix(1000))")
    }
}

/// Checks that an answer has a field a client reads, with the type it decodes: `PATH:TYPE`
/// where PATH is dot-separated keys, `[*]` every item of an array, `{*}` every value of an
/// object, and TYPE one of string, number, bool, object, string[].
enum FieldCheck {
    static func problems(_ value: Any, _ spec: String) -> [String] {
        guard let colon = spec.lastIndex(of: ":") else { return ["no type in \(spec)"] }
        let path = spec[..<colon].split(separator: ".").map(String.init)
        return check(value, path[...], type: String(spec[spec.index(after: colon)...]), at: "")
    }

    private static func check(_ value: Any, _ path: ArraySlice<String>, type: String, at: String) -> [String] {
        guard let segment = path.first else { return matches(value, type) ? [] : ["\(at.isEmpty ? "answer" : at) is not a \(type): \(value)"] }
        let rest = path.dropFirst()
        if segment == "[*]" {
            guard let items = value as? [Any] else { return ["\(at) is not an array"] }
            return items.enumerated().flatMap { check($1, rest, type: type, at: "\(at)[\($0)]") }
        }
        if segment == "{*}" {
            guard let object = value as? [String: Any] else { return ["\(at) is not an object"] }
            return object.flatMap { check($1, rest, type: type, at: "\(at).\($0)") }
        }
        guard let object = value as? [String: Any] else { return ["\(at) is not an object"] }
        if segment.hasSuffix("[*]") {
            let key = String(segment.dropLast(3))
            guard let items = object[key] as? [Any] else { return ["\(at).\(key) is missing or not an array"] }
            return items.enumerated().flatMap { check($1, rest, type: type, at: "\(at).\(key)[\($0)]") }
        }
        guard let field = object[segment] else { return ["\(at).\(segment) is missing"] }
        return check(field, rest, type: type, at: "\(at).\(segment)")
    }

    private static func matches(_ value: Any, _ wanted: String) -> Bool {
        switch wanted {
        case "string": value is String
        case "number": (value as? NSNumber) != nil && type(of: value) != Bool.self
        case "bool": type(of: value) == Bool.self
        case "object": value is [String: Any]
        case "string[]": value is [String]
        default: false
        }
    }
}
