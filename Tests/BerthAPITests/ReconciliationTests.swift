import BerthTesting
import Foundation
import Testing

/// The loops of `berth serve` converging the cluster, seen through the API only.
@Suite struct ReconciliationTests {
    @Test func constraintsDecidePlacementAndUnplaceableWorkSaysWhy() async throws {
        try await LiveServer.with(loops: true) { server in
            let c = server.client
            try await c.registerNode("n1", zone: "a", extraLabels: #""disk":"ssd""#)
            try await c.registerNode("n2", zone: "b")
            _ = try await c.put("/v1/services/db", #"{"replicas":2,"template":{"image":"pg","resources":{"cpu":100,"memory":64}},"constraints":["node.labels.disk==ssd"]}"#)
            _ = try await c.put("/v1/services/huge", #"{"replicas":1,"template":{"image":"x","resources":{"cpu":100,"memory":100000}}}"#)
            try await eventually("both db replicas are scheduled") {
                try await c.containers("service=db").filter { $0["state"] as? String == "scheduled" }.count == 2
            }
            let db = try await c.containers("service=db")
            #expect(db.allSatisfy { $0["node"] as? String == "n1" }, "the constraint keeps them on the ssd node")
            #expect(Set(db.compactMap { $0["ip"] as? String }).count == 2, "each has its own address")
            try await eventually("huge explains why it is pending") {
                (try await c.containers("service=huge").first?["reason"] as? String)?.hasPrefix("0/2 nodes available") == true
            }
            let reason = try await c.containers("service=huge").first?["reason"] as? String
            #expect(reason == "0/2 nodes available: 2 insufficient memory (needs 100000 MiB)")
        }
    }

    @Test func spreadByZoneBalancesReplicas() async throws {
        try await LiveServer.with(loops: true) { server in
            let c = server.client
            try await c.registerNode("a1", zone: "a")
            try await c.registerNode("a2", zone: "a")
            try await c.registerNode("a3", zone: "a")
            try await c.registerNode("b1", zone: "b")
            _ = try await c.put("/v1/services/web", #"{"replicas":4,"template":{"image":"web"},"placement":{"spreadBy":["node.labels.zone"]}}"#)
            try await eventually("4 replicas placed") {
                try await c.containers("service=web").filter { $0["node"] is String }.count == 4
            }
            let nodes = try await c.containers("service=web").compactMap { $0["node"] as? String }
            #expect(nodes.filter { $0.hasPrefix("b") }.count == 2, "zone b, with one node, still gets half: \(nodes)")
            #expect(Set(nodes.filter { $0.hasPrefix("a") }).count == 2, "zone a's two replicas on two nodes: \(nodes)")
        }
    }

    @Test func drainReplacesElsewhereThenStops() async throws {
        try await LiveServer.with(loops: true) { server in
            let c = server.client
            try await c.registerNode("n1", zone: "a")
            _ = try await c.put("/v1/services/web", #"{"replicas":2,"template":{"image":"web"}}"#)
            try await eventually("2 replicas on n1") { try await c.containers("service=web&node=n1").count == 2 }
            try await c.runAll(service: "web")
            try await c.registerNode("n2", zone: "a")
            _ = try await c.put("/v1/nodes/n1", #"{"address":"127.0.0.1","labels":{"zone":"a"},"capacity":{"cpu":4000,"memory":8192},"availability":"drain"}"#)
            try await eventually("replacements are placed on n2") { try await c.containers("service=web&node=n2").count == 2 }
            let old = try await c.containers("service=web&node=n1")
            #expect(old.allSatisfy { $0["desiredState"] as? String == "running" }, "old replicas keep running until replacements run")
            try await c.runAll(service: "web")
            try await eventually("n1's replicas are told to stop") {
                try await c.containers("service=web&node=n1").allSatisfy { $0["desiredState"] as? String == "stopped" }
            }
        }
    }

    @Test func failedNodeIsMarkedDownAndItsReplicasReplaced() async throws {
        // No node heartbeats: n1's silence passes the timeout when the test steps the server's
        // wall clock past it, once its replicas run (however slow the machine, not before), and
        // n2 registers after the step, so it is fresh.
        let clock = SteppedClock()
        try await LiveServer.with(loops: true, nodeTimeout: 600, clock: clock) { server in
            let c = server.client
            try await c.registerNode("n1", zone: "a")
            _ = try await c.put("/v1/services/web", #"{"replicas":2,"template":{"image":"web"}}"#)
            try await eventually("2 replicas on n1") { try await c.containers("service=web&node=n1").count == 2 }
            try await c.runAll(service: "web")
            #expect(json(try await c.get("/v1/nodes/n1"))["status"] as? String == "ready", "n1 is up until the clock steps")
            clock.step(by: 1_200)
            try await c.registerNode("n2", zone: "a")
            try await eventually("n1 is down") { json(try await c.get("/v1/nodes/n1"))["status"] as? String == "down" }
            try await eventually("n1's replicas are lost") {
                try await c.containers("service=web&node=n1").allSatisfy { $0["state"] as? String == "lost" && $0["ip"] is NSNull }
            }
            try await eventually("replacements land on n2") {
                try await c.containers("service=web&node=n2").filter { $0["desiredState"] as? String == "running" }.count == 2
            }
            #expect(json(try await c.get("/v1/nodes/n2"))["status"] as? String == "ready", "n2 registered after the step")
            let lost = try await c.containers("service=web&node=n1")
            #expect(lost.allSatisfy { $0["desiredState"] as? String == "stopped" }, "a node that comes back is told to stop them")
        }
    }

    /// The watchers wait 10 minutes, longer than the test's time limit: that they return at all
    /// shows a report woke them (how fast is measured by `berth-bench targets`, not here).
    @Test(.timeLimit(.minutes(3)))
    func targetsFollowStatusReportsAndWakeWatchers() async throws {
        try await LiveServer.with(loops: true) { server in
            let c = server.client
            try await c.registerNode("n1", zone: "a")
            // db's rule names web, so web's document lists its members (policy sources only).
            _ = try await c.put("/v1/services/db", #"{"replicas":0,"template":{"image":"db"},"ingress":[{"from":[{"service":"web"}],"ports":[{"port":5432,"protocol":"tcp"}]}]}"#)
            _ = try await c.put("/v1/services/web", #"{"replicas":1,"template":{"image":"web","ports":[{"name":"http","containerPort":8080}],"healthCheck":{"http":"/healthz"}},"ports":[{"port":80,"targetPort":8080}]}"#)
            try await eventually("the replica is scheduled") { try await c.containers("service=web").first?["state"] as? String == "scheduled" }
            let id = try await c.containers("service=web").first!["id"] as! String
            let before = try await c.get("/v1/services/web/targets")
            #expect((json(before)["targets"] as? [Any])?.isEmpty == true)

            // Running but unhealthy: a member (network policy admits it), not yet a target.
            async let joined = c.get("/v1/services/web/targets?index=\(before.index!)&wait=10m")
            try await server.parked()
            let unhealthy = try await c.put("/v1/containers/\(id)/status", #"{"state":"running","healthy":false,"hostPorts":{"http":31000}}"#)
            let member = try await joined
            #expect(member.index == unhealthy.index, "the watcher wakes with the report that made the member")
            #expect((json(member)["targets"] as? [Any])?.isEmpty == true)
            #expect((json(member)["members"] as? [[String: Any]])?.map { $0["container"] as? String } == [id])

            async let watched = c.get("/v1/services/web/targets?index=\(unhealthy.index!)&wait=10m")
            try await server.parked()
            let report = try await c.put("/v1/containers/\(id)/status", #"{"state":"running","healthy":true,"hostPorts":{"http":31000}}"#)
            let woken = try await watched
            #expect(woken.index == report.index, "the watcher wakes with the report that made the target")
            let targets = json(woken)["targets"] as? [[String: Any]]
            #expect(targets?.count == 1)
            #expect(targets?.first?["hostPort"] as? Int == 31000)

            let exit = try await c.put("/v1/containers/\(id)/status", #"{"state":"exited","exitCode":1}"#)
            #expect(exit.status == 200)
            let after = try await c.get("/v1/services/web/targets")
            #expect((json(after)["targets"] as? [Any])?.isEmpty == true, "an exited container is no target")
            try await eventually("the exited replica is replaced") {
                try await c.containers("service=web").contains { $0["id"] as? String != id && $0["desiredState"] as? String == "running" }
            }
        }
    }
}
