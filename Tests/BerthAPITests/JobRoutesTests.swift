import BerthCore
import BerthStore
import Foundation
import Testing

@Suite struct JobRoutesTests {
    static let batch = #"{"template":{"image":"worker:1","command":["work"]},"completions":5,"parallelism":2}"#

    @Test func createFillsDefaultsAndListsAndLogsJobEvents() async throws {
        try await LiveServer.with { server in
            let reply = try await server.client.put("/v1/jobs/batch", Self.batch)
            #expect(reply.status == 201)
            let job = json(reply)
            #expect(job["name"] as? String == "batch")
            #expect(job["completions"] as? Int == 5)
            #expect(job["parallelism"] as? Int == 2)
            #expect(job["completionMode"] as? String == "nonIndexed")
            #expect(job["backoffLimit"] as? Int == 6)
            #expect(job["retryDelay"] as? String == "10s")
            #expect(job["activeDeadline"] is NSNull && job["ttlAfterFinished"] is NSNull)
            #expect(job["suspend"] as? Bool == false)
            #expect((job["template"] as? [String: Any])?["restartPolicy"] as? String == "never", "a job's default is never")
            let status = try #require(job["status"] as? [String: Any])
            #expect(status["state"] as? String == "pending")
            #expect(status["succeeded"] as? Int == 0 && status["failed"] as? Int == 0 && status["active"] as? Int == 0)
            #expect(status["completedIndexes"] as? String == "")
            #expect(status["reason"] is NSNull && status["startTime"] is NSNull)

            let got = try await server.client.get("/v1/jobs/batch")
            #expect(got.status == 200 && got.text == reply.text, "a read answers the bytes the write did")
            _ = try await server.client.put("/v1/jobs/other", #"{"template":{"image":"x","restartPolicy":"on-failure"},"completionMode":"indexed"}"#)
            let list = try await server.client.get("/v1/jobs")
            #expect((json(list)["items"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["batch", "other"])
            let events = try await server.client.get("/v1/events?after=0&kind=job")
            let kinds = (json(events)["events"] as? [[String: Any]])?.map { "\($0["kind"] ?? "")/\($0["name"] ?? "")/\($0["op"] ?? "")" }
            #expect(kinds == ["job/batch/created", "job/other/created"])
        }
    }

    @Test(arguments: [
        (#"{"template":{"image":"x"},"completions":0}"#, "completions"),
        (#"{"template":{"image":"x"},"completions":100001}"#, "completions"),
        (#"{"template":{"image":"x"},"parallelism":-1}"#, "parallelism"),
        (#"{"template":{"image":"x"},"backoffLimit":-1}"#, "backoffLimit"),
        (#"{"template":{"image":"x"},"retryDelay":"soon"}"#, "retryDelay"),
        (#"{"template":{"image":"x"},"retryDelay":"1h"}"#, "retryDelay"),
        (#"{"template":{"image":"x"},"activeDeadline":"0s"}"#, "activeDeadline"),
        (#"{"template":{"image":"x"},"ttlAfterFinished":"later"}"#, "ttlAfterFinished"),
        (#"{"template":{"image":"x"},"completionMode":"ordered"}"#, "completionMode"),
        (#"{"template":{"image":"x","restartPolicy":"always"}}"#, "template.restartPolicy"),
        (#"{"template":{}}"#, "template.image"),
        (#"{"template":{"image":"x"},"constraints":["node.color==red"]}"#, "constraints[0]"),
        (#"{"template":{"image":"x"},"placement":{"strategy":"random"}}"#, "placement.strategy"),
        (#"{"template":{"image":"x"},"suspend":"yes"}"#, "suspend"),
        (#"{"template":{"image":"x"},"completion":3}"#, "completion"),
        (#"{"completions":3}"#, "template"),
    ])
    func badJobsAre400NamingTheField(body: String, field: String) async throws {
        try await LiveServer.with { server in
            let reply = try await server.client.put("/v1/jobs/batch", body)
            #expect(reply.status == 400, "\(reply.text)")
            #expect(errorField(reply) == field, "\(reply.text)")
            #expect(try await server.client.get("/v1/jobs/batch").status == 404)
        }
    }

    @Test func onlyParallelismAndSuspendChange() async throws {
        try await LiveServer.with { server in
            _ = try await server.client.put("/v1/jobs/batch", Self.batch)
            let wider = try await server.client.put("/v1/jobs/batch", Self.batch.replacingOccurrences(of: #""parallelism":2"#, with: #""parallelism":4"#))
            #expect(wider.status == 200 && json(wider)["parallelism"] as? Int == 4)
            let suspended = try await server.client.put("/v1/jobs/batch", Self.batch.replacingOccurrences(of: #""parallelism":2"#, with: #""parallelism":4,"suspend":true"#))
            #expect(suspended.status == 200)
            #expect((json(suspended)["status"] as? [String: Any])?["state"] as? String == "suspended")
            for (change, field) in [
                (#""completions":6"#, "completions"), (#""completions":5,"backoffLimit":1"#, "backoffLimit"),
                (#""completions":5,"completionMode":"indexed""#, "completionMode"),
            ] {
                let body = Self.batch.replacingOccurrences(of: #""completions":5"#, with: change)
                let reply = try await server.client.put("/v1/jobs/batch", body)
                #expect(reply.status == 409, "\(change): \(reply.text)")
                #expect(errorMessage(reply).contains(field), "\(errorMessage(reply)) names \(field)")
            }
            let image = try await server.client.put("/v1/jobs/batch", Self.batch.replacingOccurrences(of: "worker:1", with: "worker:2"))
            #expect(image.status == 409 && errorMessage(image).contains("template"))
            #expect(json(try await server.client.get("/v1/jobs/batch"))["completions"] as? Int == 5, "a refused change writes nothing")
        }
    }

    @Test func deleteRemovesTheJobAndItsContainers() async throws {
        try await LiveServer.with { server in
            _ = try await server.client.put("/v1/jobs/batch", Self.batch)
            let template = ContainerTemplate(image: "worker:1", restartPolicy: .never)
            let ids = try await server.store.write { tx in
                try (0..<2).map { try ContainerRepository.createForJob(tx, job: "batch", index: $0, template: template, attempt: 0) }
            }
            let listed = try await server.client.get("/v1/containers?job=batch")
            let items = try #require(json(listed)["items"] as? [[String: Any]])
            #expect(items.compactMap { $0["id"] as? String } == ids)
            #expect(items.compactMap { $0["jobIndex"] as? Int } == [0, 1])
            #expect(items.allSatisfy { $0["job"] as? String == "batch" })
            let deleted = try await server.client.delete("/v1/jobs/batch")
            #expect(deleted.status == 200)
            #expect(try await server.client.get("/v1/jobs/batch").status == 404)
            #expect((json(try await server.client.get("/v1/containers?job=batch"))["items"] as? [Any])?.isEmpty == true)
            #expect(try await server.client.delete("/v1/jobs/batch").status == 404)
        }
    }

    @Test func aWatchWakesOnTheJobsChange() async throws {
        try await LiveServer.with { server in
            let first = try await server.client.put("/v1/jobs/batch", Self.batch)
            async let woken = server.client.get("/v1/jobs/batch?index=\(first.index!)&wait=10m")
            try await server.parked()
            let change = try await server.client.put("/v1/jobs/batch", Self.batch.replacingOccurrences(of: #""parallelism":2"#, with: #""parallelism":1"#))
            let reply = try await woken
            #expect(reply.status == 200 && reply.index == change.index)
            #expect(json(reply)["parallelism"] as? Int == 1)
        }
    }

    @Test func listPagesWithLimitAndNext() async throws {
        try await LiveServer.with { server in
            for name in ["a", "b", "c"] { _ = try await server.client.put("/v1/jobs/\(name)", Self.batch) }
            let first = try await server.client.get("/v1/jobs?limit=2")
            #expect((json(first)["items"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["a", "b"])
            let next = try #require(json(first)["next"] as? String)
            let second = try await server.client.get("/v1/jobs?limit=2&next=\(next)")
            #expect((json(second)["items"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["c"])
            #expect(json(second)["next"] is NSNull)
        }
    }
}
