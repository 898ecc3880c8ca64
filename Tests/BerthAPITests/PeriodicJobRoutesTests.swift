import BerthCore
import BerthStore
import Foundation
import Testing

@Suite struct PeriodicJobRoutesTests {
    static let nightly = #"{"template":{"image":"worker:1","command":["work"]},"schedule":"@every 1h","concurrencyPolicy":"forbid"}"#

    @Test func createFillsPeriodicDefaults() async throws {
        try await LiveServer.with { server in
            let reply = try await server.client.put("/v1/jobs/nightly", Self.nightly)
            #expect(reply.status == 201, "\(reply.text)")
            let job = json(reply)
            #expect(job["schedule"] as? String == "@every 1h")
            #expect(job["timeZone"] as? String == "UTC")
            #expect(job["concurrencyPolicy"] as? String == "forbid")
            #expect(job["startingDeadline"] is NSNull)
            #expect(job["successfulJobsHistoryLimit"] as? Int == 3 && job["failedJobsHistoryLimit"] as? Int == 1)
            #expect(job["parent"] is NSNull && job["createTime"] is String)
            let status = try #require(job["status"] as? [String: Any])
            #expect(status["lastScheduleTime"] is NSNull && status["lastSuccessfulTime"] is NSNull)
            #expect((status["activeRuns"] as? [Any])?.isEmpty == true)
            let plain = json(try await server.client.put("/v1/jobs/once", JobRoutesTests.batch))
            #expect(plain["schedule"] is NSNull, "a job without a schedule is not periodic")
        }
    }

    @Test(arguments: [
        (#"{"template":{"image":"x"},"schedule":"61 * * * *"}"#, "schedule"),
        (#"{"template":{"image":"x"},"schedule":"@sometimes"}"#, "schedule"),
        (#"{"template":{"image":"x"},"schedule":"@daily","timeZone":"Mars/Olympus"}"#, "timeZone"),
        (#"{"template":{"image":"x"},"schedule":"@daily","concurrencyPolicy":"never"}"#, "concurrencyPolicy"),
        (#"{"template":{"image":"x"},"schedule":"@daily","startingDeadline":"soon"}"#, "startingDeadline"),
        (#"{"template":{"image":"x"},"schedule":"@daily","startingDeadline":"0s"}"#, "startingDeadline"),
        (#"{"template":{"image":"x"},"schedule":"@daily","successfulJobsHistoryLimit":-1}"#, "successfulJobsHistoryLimit"),
        (#"{"template":{"image":"x"},"schedule":"@daily","failedJobsHistoryLimit":101}"#, "failedJobsHistoryLimit"),
    ])
    func badPeriodicJobsAre400NamingTheField(body: String, field: String) async throws {
        try await LiveServer.with { server in
            let reply = try await server.client.put("/v1/jobs/nightly", body)
            #expect(reply.status == 400, "\(reply.text)")
            #expect(errorField(reply) == field, "\(reply.text)")
        }
    }

    @Test func aPeriodicNameIsAtMost52Characters() async throws {
        try await LiveServer.with { server in
            let long = String(repeating: "a", count: 53)
            let reply = try await server.client.put("/v1/jobs/\(long)", Self.nightly)
            #expect(reply.status == 400 && errorField(reply) == "name", "\(reply.text)")
            #expect(try await server.client.put("/v1/jobs/\(long.dropLast())", Self.nightly).status == 201)
            #expect(try await server.client.put("/v1/jobs/\(long)", JobRoutesTests.batch).status == 201, "a plain job may be longer")
        }
    }

    @Test func aPeriodicJobChangesAnythingButBeingPeriodic() async throws {
        try await LiveServer.with { server in
            _ = try await server.client.put("/v1/jobs/nightly", Self.nightly)
            let changed = #"{"template":{"image":"worker:2"},"schedule":"0 3 * * *","timeZone":"Europe/Berlin","completions":2,"#
                + #""concurrencyPolicy":"replace","startingDeadline":"5m","successfulJobsHistoryLimit":1,"suspend":true}"#
            let reply = try await server.client.put("/v1/jobs/nightly", changed)
            #expect(reply.status == 200, "\(reply.text)")
            let job = json(reply)
            #expect(job["schedule"] as? String == "0 3 * * *" && job["timeZone"] as? String == "Europe/Berlin")
            #expect(job["startingDeadline"] as? String == "5m" && job["completions"] as? Int == 2)
            #expect((job["status"] as? [String: Any])?["state"] as? String == "suspended")
            let plain = try await server.client.put("/v1/jobs/nightly", #"{"template":{"image":"worker:2"}}"#)
            #expect(plain.status == 409 && errorMessage(plain).contains("schedule"), "\(plain.text)")
            _ = try await server.client.put("/v1/jobs/once", JobRoutesTests.batch)
            let scheduled = try await server.client.put("/v1/jobs/once", #"{"template":{"image":"worker:1","command":["work"]},"completions":5,"parallelism":2,"schedule":"@daily"}"#)
            #expect(scheduled.status == 409 && errorMessage(scheduled).contains("schedule"), "\(scheduled.text)")
        }
    }

    @Test func runsAreListedByParentAndDeletedWithIt() async throws {
        try await LiveServer.with { server in
            _ = try await server.client.put("/v1/jobs/nightly", Self.nightly)
            _ = try await server.client.put("/v1/jobs/other", JobRoutesTests.batch)
            let runs = ["nightly-1700000000", "nightly-1700003600"]
            let ids = try await server.store.write { tx in
                let parent = try #require(try JobRepository.fetch(tx.db, "nightly"))
                for run in runs { try JobRepository.createRun(tx, parent: parent, name: run) }
                #expect(try JobRepository.createRun(tx, parent: parent, name: runs[0]) == nil, "the run's name is its key")
                let template = ContainerTemplate(image: "worker:1", restartPolicy: .never)
                return try ContainerRepository.createForJob(tx, job: runs[0], index: 0, template: template, attempt: 0)
            }
            let listed = try #require(json(try await server.client.get("/v1/jobs?parent=nightly"))["items"] as? [[String: Any]])
            #expect(listed.compactMap { $0["name"] as? String } == runs)
            #expect(listed.allSatisfy { $0["parent"] as? String == "nightly" && $0["schedule"] is NSNull })
            #expect(listed.first?["concurrencyPolicy"] as? String == "allow", "a run is a plain job")
            let paged = json(try await server.client.get("/v1/jobs?parent=nightly&limit=1"))
            #expect((paged["items"] as? [[String: Any]])?.first?["name"] as? String == runs[0] && paged["next"] is String)
            #expect(try await server.client.get("/v1/jobs?parent=Not_A_Name").status == 400)

            #expect(try await server.client.delete("/v1/jobs/nightly").status == 200)
            for run in runs { #expect(try await server.client.get("/v1/jobs/\(run)").status == 404) }
            #expect(try await server.client.get("/v1/containers/\(ids)").status == 404, "a run's containers go with it")
            #expect(try await server.client.get("/v1/jobs/other").status == 200)
        }
    }
}
