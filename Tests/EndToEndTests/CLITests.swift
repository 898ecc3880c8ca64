import BerthClient
import BerthTesting
import Foundation
import Testing

/// Drives the built `berth` client commands against a real `berth serve`: what they print, what
/// they make the server store, and how they fail (one `berth: ...` line on stderr, exit 1).
@Suite(.heavy, .serialized) struct CLITests {
    static let nodeA = #"{"address":"127.0.0.1","labels":{"zone":"a"},"capacity":{"cpu":4000,"memory":8192}}"#
    static let nodeB = #"{"address":"127.0.0.2","labels":{"zone":"b"},"capacity":{"cpu":2000,"memory":4096}}"#

    /// A server on a fresh database, and `berth` run against it.
    struct Cluster {
        let folder: URL
        let server: ServerProcess

        static func start() async throws -> Cluster {
            let folder = try temporaryFolder()
            return Cluster(folder: folder, server: try await ServerProcess(database: folder.appendingPathComponent("berth.db").path))
        }

        var client: BerthClient { server.client }

        func berth(_ arguments: String...) async throws -> ChildProcess.Finished {
            try await berth(arguments)
        }

        func berth(_ arguments: [String]) async throws -> ChildProcess.Finished {
            // Before a `--`, since what follows it is the container's command.
            var arguments = arguments
            arguments.insert(contentsOf: ["--server", server.url.absoluteString], at: arguments.firstIndex(of: "--") ?? arguments.endIndex)
            return try await BerthBinary.run(arguments, token: server.token, timeout: .seconds(30))
        }

        func register(_ name: String, _ body: String = CLITests.nodeA) async throws {
            let reply = try await client.send("PUT", "/v1/nodes/\(name)", body: Data(body.utf8))
            #expect(reply.status == 201)
        }

        func json(_ path: String) async throws -> [String: Any] {
            let reply = try await client.get(path)
            return try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any], "\(path): \(reply.text)")
        }

        /// Waits (bounded, with blocking queries) until `count` containers of `service` are on nodes.
        func waitForPlacement(_ service: String, count: Int) async throws -> [[String: Any]] {
            let deadline = ContinuousClock.now + .seconds(20)
            var index: UInt64 = 0
            while ContinuousClock.now < deadline {
                let reply = try await client.get("/v1/containers?service=\(service)&index=\(index)&wait=5s")
                let items = ((try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])?["items"] as? [[String: Any]]) ?? []
                let placed = items.filter { $0["node"] is String && $0["desiredState"] as? String == "running" }
                if placed.count == count { return placed }
                index = reply.index ?? 0
            }
            Issue.record("\(service) did not get \(count) placed containers in time")
            return []
        }

        func stop() async {
            await server.stop()
            try? FileManager.default.removeItem(at: folder)
        }
    }

    /// A failure is exactly one line, `berth: ...`, on stderr, and a non-zero status.
    static func expectOneLineFailure(_ result: ChildProcess.Finished, containing text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status != 0, "expected a failure; stdout: \(result.stdout)", sourceLocation: sourceLocation)
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
        #expect(lines.count == 1, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("berth: "), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(text), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
    }

    static func parse(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
    }

    static func rows(_ table: String) -> [[String]] {
        table.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    }

    // MARK: nodes

    @Test func nodeListInspectUpdateAndRemove() async throws {
        let cluster = try await Cluster.start()
        try await cluster.register("n1")
        try await cluster.register("n2", Self.nodeB)

        let ls = try await cluster.berth("node", "ls")
        #expect(ls.status == 0, "stderr: \(ls.stderr)")
        let rows = Self.rows(ls.stdout)
        #expect(rows.first == ["NAME", "STATUS", "AVAILABILITY", "ADDRESS", "CPU", "MEMORY", "SUBNET", "LABELS"])
        #expect(rows.count == 3)
        #expect(rows.dropFirst().first?.prefix(6) == ["n1", "ready", "active", "127.0.0.1", "0m/4000m", "0Mi/8192Mi"])
        #expect(rows.dropFirst().first?.last == "zone=a")
        // Columns line up: every row's second column starts where the header's does.
        let lines = ls.stdout.split(separator: "\n")
        let statusColumn = lines[0].range(of: "STATUS")!.lowerBound.utf16Offset(in: lines[0])
        for line in lines.dropFirst() {
            #expect(line.range(of: "ready")?.lowerBound.utf16Offset(in: line) == statusColumn)
        }

        let json = try await cluster.berth("node", "ls", "-o", "json")
        #expect(json.status == 0)
        #expect((try Self.parse(json.stdout)["items"] as? [Any])?.count == 2)

        let inspect = try await cluster.berth("node", "inspect", "n1")
        #expect(inspect.status == 0)
        let node = try Self.parse(inspect.stdout)
        #expect(node["name"] as? String == "n1")
        #expect(node["subnet"] is String)

        let drain = try await cluster.berth("node", "update", "n1", "--availability", "drain", "--label", "disk=ssd")
        #expect(drain.status == 0, "stderr: \(drain.stderr)")
        let updated = try await cluster.json("/v1/nodes/n1")
        #expect(updated["availability"] as? String == "drain")
        #expect(updated["labels"] as? [String: String] == ["zone": "a", "disk": "ssd"])
        #expect(Self.rows(try await cluster.berth("node", "ls").stdout)[1][2] == "drain")

        Self.expectOneLineFailure(try await cluster.berth("node", "update", "n1", "--availability", "sleepy"), containing: "--availability")
        Self.expectOneLineFailure(try await cluster.berth("node", "inspect", "nope"), containing: #"node "nope" not found"#)
        Self.expectOneLineFailure(try await cluster.berth("node", "update", "nope", "--availability", "pause"), containing: #"node "nope" not found"#)

        let rm = try await cluster.berth("node", "rm", "n2")
        #expect(rm.status == 0, "stderr: \(rm.stderr)")
        #expect(try await cluster.client.get("/v1/nodes/n2").status == 404)
        Self.expectOneLineFailure(try await cluster.berth("node", "rm", "n2"), containing: #"node "n2" not found"#)
        await cluster.stop()
    }

    // MARK: services

    @Test func serviceCreateStoresEveryFlag() async throws {
        let cluster = try await Cluster.start()
        let create = try await cluster.berth([
            "service", "create", "web", "--image", "nginx:1.27", "--replicas", "3",
            "--constraint", "node.labels.zone in (a,b)", "--constraint", "node.labels.disk!=hdd",
            "--placement-pref", "spread=node.labels.zone", "--placement-pref", "prefer:10=node.labels.disk==ssd",
            "--port", "80:8080", "--container-port", "admin=9000", "--port", "9001:9000",
            "--cpu", "250", "--memory", "128", "--env", "MODE=prod", "--env", "EMPTY=",
            "--health-http", "/healthz", "--health-interval", "2s", "--restart", "on-failure",
            "--strategy", "binpack", "--max-per-node", "2", "--lb", "leastConn",
            "--update-parallelism", "2", "--update-order", "start-first", "--update-delay", "5s", "--endpoint-mode", "dnsrr",
            "--", "nginx", "-g", "daemon off;", "--not-a-flag",
        ])
        #expect(create.status == 0, "stderr: \(create.stderr)")
        #expect(create.stdout == "web\n")

        let web = try await cluster.json("/v1/services/web")
        #expect(web["mode"] as? String == "replicated")
        #expect(web["replicas"] as? Int == 3)
        #expect(web["constraints"] as? [String] == ["node.labels.zone in (a,b)", "node.labels.disk!=hdd"])
        let placement = try #require(web["placement"] as? [String: Any])
        #expect(placement["strategy"] as? String == "binpack")
        #expect(placement["spreadBy"] as? [String] == ["node.labels.zone"])
        #expect(placement["maxPerNode"] as? Int == 2)
        let preferences = placement["preferences"] as? [[String: Any]]
        #expect(preferences?.first?["constraint"] as? String == "node.labels.disk==ssd")
        #expect(preferences?.first?["weight"] as? Int == 10)
        let ports = try #require(web["ports"] as? [[String: Any]])
        #expect(ports.map { $0["port"] as? Int } == [80, 9001])
        #expect(ports.map { $0["targetPort"] as? Int } == [8080, 9000])
        #expect((web["loadBalancer"] as? [String: Any])?["algorithm"] as? String == "leastConn")
        let update = try #require(web["update"] as? [String: Any])
        #expect(update["parallelism"] as? Int == 2)
        #expect(update["order"] as? String == "start-first")
        #expect(update["delay"] as? String == "5s")
        #expect(web["vip"] is String)
        #expect(web["endpointMode"] as? String == "dnsrr")

        let template = try #require(web["template"] as? [String: Any])
        #expect(template["image"] as? String == "nginx:1.27")
        #expect(template["command"] as? [String] == ["nginx", "-g", "daemon off;", "--not-a-flag"])
        #expect(template["env"] as? [String: String] == ["MODE": "prod", "EMPTY": ""])
        #expect(template["restartPolicy"] as? String == "on-failure")
        let resources = template["resources"] as? [String: Int]
        #expect(resources == ["cpu": 250, "memory": 128])
        let containerPorts = try #require(template["ports"] as? [[String: Any]])
        #expect(containerPorts.map { $0["name"] as? String } == ["admin", "p8080"], "9000 is declared already as admin")
        #expect(containerPorts.map { $0["containerPort"] as? Int } == [9000, 8080])
        let health = template["healthCheck"] as? [String: Any]
        #expect(health?["http"] as? String == "/healthz")
        #expect(health?["interval"] as? String == "2s")

        Self.expectOneLineFailure(try await cluster.berth("service", "create", "web", "--image", "x"), containing: "service web already exists")
        #expect((try await cluster.json("/v1/services/web"))["replicas"] as? Int == 3, "the existing service is untouched")

        let json = try await cluster.berth("service", "create", "api", "--image", "api:1", "--mode", "global", "-o", "json")
        #expect(json.status == 0, "stderr: \(json.stderr)")
        #expect(try Self.parse(json.stdout)["mode"] as? String == "global")
        await cluster.stop()
    }

    @Test func serviceCreateRefusesBadInputInOneLine() async throws {
        let cluster = try await Cluster.start()
        Self.expectOneLineFailure(
            try await cluster.berth("service", "create", "bad", "--image", "x", "--constraint", "node.labels.zone=="),
            containing: "constraints[0]: invalid constraint"
        )
        Self.expectOneLineFailure(try await cluster.berth("service", "create", "bad", "--image", "x", "--port", "eighty"), containing: "--port")
        Self.expectOneLineFailure(try await cluster.berth("service", "create", "bad", "--image", "x", "--mode", "sometimes"), containing: "--mode")
        Self.expectOneLineFailure(try await cluster.berth("service", "create", "bad", "--image", "x", "--cpu=-5"), containing: "template.resources.cpu")
        Self.expectOneLineFailure(try await cluster.berth("service", "create", "Bad_Name", "--image", "x"), containing: "DNS label")
        #expect(try await cluster.client.get("/v1/services/bad").status == 404)
        await cluster.stop()
    }

    @Test func serviceListScaleUpdateAndRemove() async throws {
        let cluster = try await Cluster.start()
        #expect(try await cluster.berth("service", "create", "web", "--image", "web:1", "--replicas", "3", "--port", "80:8080",
                                        "--constraint", "node.labels.zone==a", "--env", "A=1").status == 0)
        #expect(try await cluster.berth("service", "create", "db", "--image", "db:1").status == 0)

        let ls = try await cluster.berth("service", "ls")
        #expect(ls.status == 0, "stderr: \(ls.stderr)")
        let rows = Self.rows(ls.stdout)
        #expect(rows.first == ["NAME", "MODE", "REPLICAS", "IMAGE", "PORTS", "VIP"])
        #expect(rows.map(\.first) == ["NAME", "db", "web"])
        #expect(rows[2].prefix(5) == ["web", "replicated", "0/3", "web:1", "80->8080/tcp"])
        #expect(rows[1][4] == "-", "no ports")
        let json = try await cluster.berth("service", "ls", "-o", "json")
        #expect((try Self.parse(json.stdout)["items"] as? [Any])?.count == 2)
        let inspect = try await cluster.berth("service", "inspect", "web")
        #expect(try Self.parse(inspect.stdout)["name"] as? String == "web")

        let scale = try await cluster.berth("service", "scale", "web=5", "db=2")
        #expect(scale.status == 0, "stderr: \(scale.stderr)")
        #expect((try await cluster.json("/v1/services/web"))["replicas"] as? Int == 5)
        #expect((try await cluster.json("/v1/services/db"))["replicas"] as? Int == 2)
        Self.expectOneLineFailure(try await cluster.berth("service", "scale", "nope=1"), containing: #"service "nope" not found"#)
        Self.expectOneLineFailure(try await cluster.berth("service", "scale", "web"), containing: "KEY=VALUE")

        let update = try await cluster.berth(
            "service", "update", "web", "--image", "web:2", "--env", "B=2", "--env-rm", "A",
            "--constraint-rm", "node.labels.zone==a", "--constraint-add", "node.labels.zone!=c",
            "--placement-pref-add", "spread=node.labels.zone", "--update-parallelism", "3", "--update-order", "start-first"
        )
        #expect(update.status == 0, "stderr: \(update.stderr)")
        let web = try await cluster.json("/v1/services/web")
        let template = web["template"] as? [String: Any]
        #expect(template?["image"] as? String == "web:2")
        #expect(template?["env"] as? [String: String] == ["B": "2"])
        #expect(web["constraints"] as? [String] == ["node.labels.zone!=c"])
        #expect((web["placement"] as? [String: Any])?["spreadBy"] as? [String] == ["node.labels.zone"])
        #expect((web["update"] as? [String: Any])?["parallelism"] as? Int == 3)
        #expect((web["update"] as? [String: Any])?["order"] as? String == "start-first")
        #expect(web["replicas"] as? Int == 5, "what was not given is kept")
        #expect((web["ports"] as? [Any])?.count == 1)
        Self.expectOneLineFailure(try await cluster.berth("service", "update", "web"), containing: "nothing to change")
        Self.expectOneLineFailure(try await cluster.berth("service", "update", "web", "--constraint-add", "node.labels.x in a"), containing: "invalid constraint")

        let rm = try await cluster.berth("service", "rm", "web")
        #expect(rm.status == 0, "stderr: \(rm.stderr)")
        #expect(try await cluster.client.get("/v1/services/web").status == 404)
        Self.expectOneLineFailure(try await cluster.berth("service", "rm", "web"), containing: #"service "web" not found"#)
        await cluster.stop()
    }

    @Test func serviceCreateWaitTimesOutWithThePendingReason() async throws {
        let cluster = try await Cluster.start()
        let clock = ContinuousClock()
        let start = clock.now
        let result = try await cluster.berth("service", "create", "web", "--image", "web:1", "--replicas", "3", "--wait", "--timeout", "2s")
        let elapsed = clock.now - start
        // It gave up by its own timeout (its own message, not killed by the test's run limit),
        // and not before it: a lower bound, which no slow machine can break.
        Self.expectOneLineFailure(result, containing: "web: 0/3 running; pending: 0/0 nodes available: no nodes registered")
        #expect(result.stdout.contains("web: 0/3 running"), "stdout: \(result.stdout)")
        #expect(elapsed >= .seconds(2))
        // With a node but no agent, the containers are placed and stay scheduled: still not running.
        try await cluster.register("n1")
        let placed = try await cluster.berth("service", "scale", "web=1", "--wait", "--timeout", "1s")
        Self.expectOneLineFailure(placed, containing: "web: 0/1 running; 1 scheduled")
        // Zero replicas are all running at once.
        let zero = try await cluster.berth("service", "create", "idle", "--image", "x", "--replicas", "0", "--wait", "--timeout", "5s")
        #expect(zero.status == 0, "stderr: \(zero.stderr)")
        #expect(zero.stdout == "idle\nidle: 0/0 running\n")
        await cluster.stop()
    }

    // MARK: containers

    @Test func psFiltersAndHidesStoppedHistory() async throws {
        let cluster = try await Cluster.start()
        try await cluster.register("n1")
        try await cluster.register("n2", Self.nodeB)
        #expect(try await cluster.berth("service", "create", "web", "--image", "web:1", "--replicas", "2", "--max-per-node", "1").status == 0)
        #expect(try await cluster.berth("service", "create", "api", "--image", "api:1", "--constraint", "node.name==n2").status == 0)
        let web = try await cluster.waitForPlacement("web", count: 2)
        let api = try await cluster.waitForPlacement("api", count: 1)

        let ps = try await cluster.berth("ps")
        #expect(ps.status == 0, "stderr: \(ps.stderr)")
        let rows = Self.rows(ps.stdout)
        #expect(rows.first == ["ID", "NAME", "NODE", "IP", "STATE", "DESIRED", "REASON"])
        #expect(rows.count == 4)
        #expect(Self.rows(try await cluster.berth("ps", "--service", "web").stdout).dropFirst().allSatisfy { $0[1] == "web" })
        #expect(Self.rows(try await cluster.berth("ps", "--service", "web").stdout).count == 3)
        let onN2 = Self.rows(try await cluster.berth("ps", "--node", "n2").stdout).dropFirst()
        #expect(onN2.count == 2 && onN2.allSatisfy { $0[2] == "n2" })
        #expect(Self.rows(try await cluster.berth("ps", "--state", "scheduled").stdout).count == 4)
        #expect(Self.rows(try await cluster.berth("ps", "--state", "running").stdout).count == 1)
        Self.expectOneLineFailure(try await cluster.berth("ps", "--state", "sleeping"), containing: "state: must be one of")

        // Removing api tells its container to stop: shown (desired stopped) until it has stopped.
        let apiID = try #require(api.first?["id"] as? String)
        #expect(try await cluster.berth("service", "rm", "api").status == 0)
        let stopping = Self.rows(try await cluster.berth("ps", "--node", "n2").stdout)
        #expect(stopping.contains { $0.first == apiID && $0[5] == "stopped" })
        #expect(Self.rows(try await cluster.berth("ps", "-a").stdout).count >= Self.rows(try await cluster.berth("ps").stdout).count)
        let json = try await cluster.berth("ps", "-o", "json", "--service", "web")
        let items = try #require(try Self.parse(json.stdout)["items"] as? [[String: Any]])
        #expect(Set(items.compactMap { $0["id"] as? String }) == Set(web.compactMap { $0["id"] as? String }))
        await cluster.stop()
    }

    @Test func logsReadTheAgentsFileAndSayWhereTheyLooked() async throws {
        let cluster = try await Cluster.start()
        try await cluster.register("n1")
        #expect(try await cluster.berth("service", "create", "web", "--image", "web:1").status == 0)
        let id = try #require(try await cluster.waitForPlacement("web", count: 1).first?["id"] as? String)
        let agentDir = cluster.folder.appendingPathComponent("agent")

        let missing = try await cluster.berth("logs", id, "--agent-dir", agentDir.path)
        Self.expectOneLineFailure(missing, containing: agentDir.appendingPathComponent("n1/logs/\(id).log").path)

        let logs = agentDir.appendingPathComponent("n1/logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        try Data("hello\nworld\n".utf8).write(to: logs.appendingPathComponent("\(id).log"))
        let shown = try await cluster.berth("logs", id, "--agent-dir", agentDir.path)
        #expect(shown.status == 0, "stderr: \(shown.stderr)")
        #expect(shown.stdout == "hello\nworld\n")
        let byPrefix = try await cluster.berth("logs", String(id.prefix(6)), "--agent-dir", agentDir.path)
        #expect(byPrefix.stdout == "hello\nworld\n", "stderr: \(byPrefix.stderr)")
        Self.expectOneLineFailure(try await cluster.berth("logs", "ffffffffffffffff"), containing: #"container "ffffffffffffffff" not found"#)
        await cluster.stop()
    }

    // MARK: events

    @Test func eventsListTheFeedAndFilterByKind() async throws {
        let cluster = try await Cluster.start()
        try await cluster.register("n1")
        let last = try await cluster.client.get("/v1/nodes").index!

        let events = try await cluster.berth("events")
        #expect(events.status == 0, "stderr: \(events.stderr)")
        let lines = Self.rows(events.stdout)
        #expect(lines.contains { Array($0.dropFirst()) == ["node", "n1", "created"] && UInt64($0[0])! <= last })
        #expect(lines.allSatisfy { $0.count == 4 && UInt64($0[0]) != nil })
        let indexes = lines.compactMap { UInt64($0[0]) }
        #expect(indexes == indexes.sorted())

        let nodes = Self.rows(try await cluster.berth("events", "--kind", "node").stdout)
        #expect(!nodes.isEmpty && nodes.allSatisfy { $0[1] == "node" })
        #expect(try await cluster.berth("events", "--after", "\(last)").stdout.isEmpty)

        let json = try await cluster.berth("events", "-o", "json", "--kind", "node")
        let parsed = try json.stdout.split(separator: "\n").map { try Self.parse(String($0)) }
        #expect(parsed.count == nodes.count)
        #expect(parsed.first?["name"] as? String == "n1")
        #expect((parsed.first?["object"] as? [String: Any])?["address"] as? String == "127.0.0.1")

        Self.expectOneLineFailure(try await cluster.berth("events", "--kind", "gadget"), containing: "kind: must be one of")
        await cluster.stop()
    }

    /// `--follow` reads the server's event stream: the history, then each change as it is
    /// committed; when the server shuts down (SIGTERM) the stream ends cleanly, the server exits
    /// at once with 0, and the command, finding no server to follow again, fails in one line.
    @Test func eventsFollowShowsChangesAsTheyAreCommitted() async throws {
        let cluster = try await Cluster.start()
        try await cluster.register("n1")
        let follow = try ChildProcess(
            name: "follow", executable: BerthBinary.path,
            arguments: ["events", "--follow", "--kind", "node", "--server", cluster.server.url.absoluteString],
            directory: cluster.folder.path, environment: BerthBinary.environment(token: cluster.server.token)
        )
        defer { follow.killNow() }
        func shown(_ name: String) -> Bool { Self.rows(follow.output).contains { Array($0.dropFirst()) == ["node", name, "created"] } }
        try await eventually("the history is shown") { shown("n1") }
        try await cluster.register("n2", Self.nodeB)
        try await eventually("a new node is shown as it is committed") { shown("n2") }
        let rows = Self.rows(follow.output)
        #expect(rows.allSatisfy { $0.count == 4 && $0[1] == "node" }, "\(follow.output)")
        let indexes = rows.compactMap { UInt64($0[0]) }
        #expect(indexes == indexes.sorted() && Set(indexes).count == indexes.count, "in order, each once: \(follow.output)")

        #expect(await cluster.server.stop() == 0, "the server drains its streams and exits cleanly")
        let status = await follow.wait(timeout: .seconds(60))
        #expect(status == 1, "stderr: \(follow.errors)")
        #expect(follow.errors.hasPrefix("berth: cannot reach the server"), "\(follow.errors)")
        #expect(follow.errors.split(separator: "\n").count == 1, "\(follow.errors)")
        await cluster.stop()
    }

    // MARK: failures and tooling

    @Test func anUnreachableServerIsOneLine() async throws {
        // Port 9 (discard): nothing listens there on a test machine.
        let result = try await BerthBinary.run(["node", "ls", "--server", "http://127.0.0.1:9"])
        Self.expectOneLineFailure(result, containing: "cannot reach the server at http://127.0.0.1:9")
        let env = try await BerthBinary.run(["service", "ls", "--server", "not a url"])
        Self.expectOneLineFailure(env, containing: "--server")
    }

    @Test func shellCompletionStillGenerates() async throws {
        for shell in ["bash", "zsh", "fish"] {
            let result = try await BerthBinary.run(["--generate-completion-script", shell])
            #expect(result.status == 0, "\(shell): \(result.stderr)")
            #expect(result.stdout.contains("service"))
            #expect(result.stdout.contains("placement-pref"))
        }
        let help = try await BerthBinary.run(["service", "create", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--constraint"))
    }
}
