import Foundation
import Testing

@Suite struct ContainerRoutesTests {
    @Test func createListReportDelete() async throws {
        try await LiveServer.with { server in
            let c = server.client
            _ = try await c.put("/v1/nodes/n1", nodeBody)
            let created = try await c.post("/v1/containers", #"{"name":"job","image":"busybox","command":["sleep","10"],"constraints":["node.labels.zone in (a, b)"],"preferences":[{"constraint":"node.labels.disk==ssd","weight":10}],"labels":{"team":"infra"}}"#)
            #expect(created.status == 201)
            let container = json(created)
            let id = try #require(container["id"] as? String)
            #expect(id.count == 16)
            #expect(container["state"] as? String == "pending")
            #expect(container["desiredState"] as? String == "running")
            #expect(container["constraints"] as? [String] == ["node.labels.zone in (a,b)"])
            #expect(try await c.post("/v1/containers", #"{"name":"job","image":"busybox"}"#).status == 409)

            let unscheduled = try await c.put("/v1/containers/\(id)/status", #"{"state":"running"}"#)
            #expect(unscheduled.status == 409, "a container on no node has no agent to report on it")

            try await server.place(id, on: "n1")
            #expect((json(try await c.get("/v1/containers?node=n1"))["items"] as? [Any])?.count == 1)
            #expect((json(try await c.get("/v1/containers?state=pending"))["items"] as? [Any])?.isEmpty == true)
            #expect((json(try await c.get("/v1/containers?state=scheduled"))["items"] as? [Any])?.count == 1)
            let allocated = json(try await c.get("/v1/nodes/n1"))["allocated"] as? [String: Int]
            #expect(allocated == ["cpu": 100, "memory": 64])

            let exited = try await c.put("/v1/containers/\(id)/status", #"{"state":"exited","exitCode":3}"#)
            #expect(exited.status == 200)
            #expect(json(exited)["exitCode"] as? Int == 3)
            #expect(json(exited)["ip"] is NSNull, "an exited container gives its IP back")
            #expect((json(try await c.get("/v1/leases?owner=\(id)"))["items"] as? [Any])?.isEmpty == true)

            #expect(try await c.delete("/v1/containers/\(id)").status == 200)
            #expect(try await c.get("/v1/containers/\(id)").status == 404)
        }
    }

    @Test(arguments: [
        ("GET", "/v1/containers/XYZ"),
        ("GET", "/v1/containers?state=sleeping"),
        ("GET", "/v1/containers?node=Bad_Name"),
        ("DELETE", "/v1/containers/123"),
    ])
    func badParametersAre400(method: String, path: String) async throws {
        try await LiveServer.with { server in
            let reply = try await server.client.send(method, path)
            #expect(reply.status == 400)
        }
    }

    @Test(arguments: [
        #"{"state":"done"}"#,
        #"{"state":"running","hostPorts":{"http":0}}"#,
        #"{"state":"running","healthy":"yes"}"#,
        #"{"state":"running","pid":1}"#,
    ])
    func badReportsAre400(body: String) async throws {
        try await LiveServer.with { server in
            let id = json(try await server.client.post("/v1/containers", #"{"image":"x"}"#))["id"] as! String
            let reply = try await server.client.put("/v1/containers/\(id)/status", body)
            #expect(reply.status == 400)
            #expect(json(try await server.client.get("/v1/containers/\(id)"))["state"] as? String == "pending")
        }
    }

    @Test func missingContainerIs404() async throws {
        try await LiveServer.with { server in
            let get = try await server.client.get("/v1/containers/0123456789abcdef")
            let report = try await server.client.put("/v1/containers/0123456789abcdef/status", #"{"state":"running"}"#)
            #expect(get.status == 404)
            #expect(report.status == 404)
        }
    }
}
