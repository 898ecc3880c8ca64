import BerthControllers
import BerthCore
import BerthStore
import Foundation
import Testing

/// Jobs' containers in the in-memory cluster state: they are kept from commits like every
/// other container (by job, by node, pending), the scheduler places them by their job's rules,
/// and the state built afresh from the store agrees after every step.
@Suite struct ClusterStateJobTests {
    typealias H = ControllerHarness

    @Test func jobContainersFlowThroughTheStateAndArePlacedByTheJobsRules() async throws {
        try await H.with { h in
            try await h.addNode("a", address: "198.18.0.1", labels: ["disk": "hdd"])
            try await h.addNode("b", address: "198.18.0.2", labels: ["disk": "ssd"])
            let state = ClusterState(store: h.store)
            let scheduler = SchedulerController(state: state, logger: H.quiet)
            func verified(_ step: String) async throws {
                let problems = try await state.verify()
                #expect(problems.isEmpty, "after \(step): \(problems)")
            }
            try await state.catchUp()
            let spec = JobSpec(
                template: ContainerTemplate(image: "worker:1", restartPolicy: .never), completions: 3, parallelism: 3,
                constraints: ["node.labels.disk==ssd"], placement: Placement(maxPerNode: 2)
            )
            _ = try await h.store.write { tx in try JobRepository.put(tx, name: "batch", spec: spec).created }
            try await verified("the job was created")
            #expect(state.takeTouchedJobs() == ["batch"])
            let ids = try await h.store.write { tx in
                try (0..<3).map { try ContainerRepository.createForJob(tx, job: "batch", index: $0, template: spec.template, attempt: 0) }
            }
            try await verified("three containers were created")
            #expect(state.takeTouchedJobs() == ["batch"], "a job's containers touch the job")

            // Only the ssd node qualifies, and it takes two of the job's containers at most.
            #expect(try await scheduler.pass() == 2)
            try await verified("two were placed")
            let placed = try await h.containers().filter { $0.node != nil }
            #expect(placed.allSatisfy { $0.node == "b" && $0.job == "batch" })
            let waiting = try #require(try await h.containers().first { $0.node == nil })
            #expect(waiting.reason?.hasPrefix("0/2 nodes") == true, "a pending reason as a service replica's: \(waiting.reason ?? "-")")

            // One ends: its capacity and address are free at once, and the third takes its place.
            try await h.report(placed[0].id, StatusReport(state: .exited, exitCode: 0))
            #expect(try await h.leases(owner: placed[0].id).isEmpty, "a finished container holds no address")
            try await verified("one exited")
            // (A new scheduler: this one holds the unplaced container back for its backoff.)
            #expect(try await SchedulerController(state: state, logger: H.quiet).pass() == 1)
            try await verified("the third was placed")

            _ = try await h.store.write { tx in try JobRepository.delete(tx, name: "batch").name }
            try await verified("the job was deleted")
            #expect(try await h.containers().filter { ids.contains($0.id) }.isEmpty)
            #expect(try await h.nodes()["b"]?.allocated == .zero)
        }
    }
}
