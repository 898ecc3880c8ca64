import BerthClient
import BerthCore
import BerthStore
import BerthTesting
import Foundation
import Testing

@Suite struct BackupRoutesTests {
    @Test func backupDuringWritesRestoresToAConsistentState() async throws {
        try await LiveServer.with { server in
            let c = server.client
            for i in 0..<20 { _ = try await c.put("/v1/nodes/seed\(i)", nodeBody) }
            let seeded = server.store.hub.current
            let writer = Task {
                var acknowledged: [(UInt64, String)] = []
                for i in 0..<150 {
                    let reply = try await c.client.send("PUT", "/v1/nodes/w\(i)", body: Data(nodeBody.utf8))
                    if reply.status == 201 { acknowledged.append((reply.index!, "w\(i)")) }
                }
                return acknowledged
            }
            // Back up once the writer is under way (10 of its writes in).
            try await eventually("the writer is under way") { server.store.hub.current >= seeded + 10 }
            let backup = try await c.get("/v1/backup")
            let acknowledged = try await writer.value
            #expect(backup.status == 200)
            #expect(backup.headers["content-type"] == "application/vnd.sqlite3")
            let index = try #require(backup.index)
            let file = server.directory.appendingPathComponent("backup.db")
            try backup.body.write(to: file)

            let info = try Restore.inspect(file.path)
            #expect(info.index == index, "the file holds exactly the state at X-Berth-Index")
            let target = server.directory.appendingPathComponent("restored.db").path
            _ = try Restore.restore(from: file.path, to: target, clock: server.store.clock)
            let restored = try Store(path: target)
            defer { try? restored.close() }
            let names = Set(try await restored.readDatabase { db in try NodeRepository.list(db).map(\.name) }.value)
            // Every write acknowledged at or before the backup's index is in it, none after.
            for (ackIndex, name) in acknowledged {
                #expect(names.contains(name) == (ackIndex <= index), "\(name) at \(ackIndex) vs backup \(index)")
            }
            #expect(names.isSuperset(of: (0..<20).map { "seed\($0)" }))
        }
    }
}

@Suite struct JobBackupTests {
    @Test func aBackupHoldsJobsAndTheirContainers() async throws {
        try await LiveServer.with { server in
            _ = try await server.client.put("/v1/jobs/batch", JobRoutesTests.batch)
            let template = ContainerTemplate(image: "worker:1", restartPolicy: .never)
            let id = try await server.store.write { tx in try ContainerRepository.createForJob(tx, job: "batch", index: 3, template: template, attempt: 1) }
            let backup = try await server.client.get("/v1/backup")
            #expect(backup.status == 200)
            let file = server.directory.appendingPathComponent("backup.db")
            try backup.body.write(to: file)
            let target = server.directory.appendingPathComponent("restored.db").path
            _ = try Restore.restore(from: file.path, to: target, clock: server.store.clock)
            let restored = try Store(path: target)
            defer { try? restored.close() }
            let (job, container) = try await restored.readDatabase { db in
                (try JobRepository.fetch(db, "batch"), try ContainerRepository.fetch(db, id))
            }.value
            #expect(job?.spec.completions == 5 && job?.spec.parallelism == 2)
            #expect(container?.job == "batch" && container?.jobIndex == 3 && container?.attempt == 1)
        }
    }
}
