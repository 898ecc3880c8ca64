import BerthCore
import BerthTesting
import Foundation
import Testing

/// The job planner on hand-made states (a table per rule) and on a seeded simulation driven by
/// a manual clock, checking its invariants after every step.
@Suite struct JobPlannerTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func job(
        completions: Int = 5, parallelism: Int = 2, mode: JobCompletionMode = .nonIndexed, backoffLimit: Int = 6,
        retryDelay: Duration = .seconds(10), deadline: Duration? = nil, ttl: Duration? = nil, suspend: Bool = false,
        status: JobStatus = JobStatus()
    ) -> Job {
        Job(
            name: "batch",
            spec: JobSpec(
                template: ContainerTemplate(image: "worker:1", restartPolicy: .never), completions: completions, parallelism: parallelism,
                completionMode: mode, backoffLimit: backoffLimit, retryDelay: retryDelay, activeDeadline: deadline,
                ttlAfterFinished: ttl, suspend: suspend
            ),
            status: status, createIndex: 1, modifyIndex: 1
        )
    }

    /// A container of index `index` in `state` (exit code for ended ones).
    static func c(_ id: String, _ index: Int, _ state: ContainerState, exit: Int? = nil, desired: DesiredState = .running,
                  finished: Date? = nil, created: UInt64 = 2) -> ContainerView {
        ContainerView(
            id: id, node: state == .pending ? nil : "n1", state: state, desiredState: desired, exitCode: exit, createIndex: created,
            finishedAt: finished ?? (state.isTerminal ? t0 : nil), job: "batch", jobIndex: index
        )
    }

    @Test func aNewJobStartsParallelismContainersLowestIndexFirst() {
        let plan = JobPlanner.plan(job: Self.job(), containers: [], now: Self.t0)
        #expect(plan.creates == [.init(index: 0, attempt: 0), .init(index: 1, attempt: 0)])
        #expect(plan.status?.state == .pending)
        #expect(plan.status?.startTime == Self.t0)
        #expect(plan.status?.active == 2)
    }

    @Test(arguments: [
        // (containers, expected creates): never more than parallelism (2) unended.
        ([c("a", 0, .running), c("b", 1, .running)], [Int]()),
        ([c("a", 0, .exited, exit: 0), c("b", 1, .running)], [2]),
        ([c("a", 0, .exited, exit: 0), c("b", 1, .exited, exit: 0)], [2, 3]),
        // One told to stop still counts until it ends.
        ([c("a", 0, .running, desired: .stopped), c("b", 1, .exited, exit: 0)], [2]),
        // A success reported twice (two containers of one index) counts once.
        ([c("a", 0, .exited, exit: 0), c("b", 0, .exited, exit: 0), c("d", 1, .running)], [2]),
    ])
    func freeSlotsAreFilledUpToParallelism(containers: [ContainerView], creates: [Int]) {
        let plan = JobPlanner.plan(job: Self.job(), containers: containers, now: Self.t0)
        #expect(plan.creates.map(\.index) == creates)
        let unended = containers.filter { !$0.state.isTerminal }.count
        #expect(unended + plan.creates.count <= 2)
    }

    @Test func aFailedIndexIsRetriedAfterItsDelayKeepingItsIndex() {
        let failed = Self.c("a", 0, .exited, exit: 1, finished: Self.t0)
        let early = JobPlanner.plan(job: Self.job(completions: 1, parallelism: 1), containers: [failed], now: Self.t0.addingTimeInterval(5))
        #expect(early.creates.isEmpty)
        #expect(early.wakeAt == Self.t0.addingTimeInterval(10))
        #expect(early.status?.failed == 1)
        let due = JobPlanner.plan(job: Self.job(completions: 1, parallelism: 1), containers: [failed], now: Self.t0.addingTimeInterval(10))
        #expect(due.creates == [.init(index: 0, attempt: 1)])
        // The delay doubles per failure of the job.
        let second = Self.c("b", 0, .failed, finished: Self.t0.addingTimeInterval(20))
        let later = JobPlanner.plan(job: Self.job(completions: 1, parallelism: 1), containers: [failed, second], now: Self.t0.addingTimeInterval(30))
        #expect(later.creates.isEmpty && later.wakeAt == Self.t0.addingTimeInterval(40))
    }

    @Test func onFailureRetriesPreferTheNodeOfTheFailure() {
        var job = Self.job(completions: 2, parallelism: 2, retryDelay: .zero)
        job.spec.template.restartPolicy = .onFailure
        let containers = [Self.c("a", 0, .exited, exit: 1), Self.c("b", 1, .lost, desired: .stopped)]
        let plan = JobPlanner.plan(job: job, containers: containers, now: Self.t0)
        #expect(plan.creates == [.init(index: 0, attempt: 1, preferredNode: "n1"), .init(index: 1, attempt: 1)], "a lost node is no place to retry")
        job.spec.template.restartPolicy = .never
        #expect(JobPlanner.plan(job: job, containers: containers, now: Self.t0).creates.allSatisfy { $0.preferredNode == nil })
    }

    @Test(arguments: [
        (ContainerState.lost, Int?.none, DesiredState.stopped, true),
        (.failed, nil, .running, true),
        (.exited, 2, .running, true),
        (.exited, 0, .running, false),
        (.exited, 143, .stopped, false),  // told to stop (suspend, drain): not a failure
        (.failed, nil, .stopped, false),
    ])
    func whatCountsAsAFailure(state: ContainerState, exit: Int?, desired: DesiredState, failure: Bool) {
        #expect(JobPlanner.isFailure(Self.c("a", 0, state, exit: exit, desired: desired)) == failure)
    }

    @Test func backoffLimitExceededFailsTheJobAndStopsWhatRuns() {
        let containers = [
            Self.c("a", 0, .exited, exit: 1), Self.c("b", 0, .exited, exit: 1), Self.c("d", 0, .lost, desired: .stopped),
            Self.c("e", 1, .running), Self.c("f", 2, .pending),
        ]
        let plan = JobPlanner.plan(job: Self.job(parallelism: 3, backoffLimit: 2), containers: containers, now: Self.t0)
        #expect(plan.status?.state == .failed)
        #expect(plan.status?.reason == .backoffLimitExceeded)
        #expect(plan.status?.failed == 3)
        #expect(plan.status?.completionTime == Self.t0)
        #expect(plan.stops == [.init(container: "e", reason: "job failed: backoffLimitExceeded")])
        #expect(plan.removes == ["f"])
        #expect(plan.creates.isEmpty)
    }

    @Test func completesWhenEveryIndexSucceededAndTheTTLDeletesIt() {
        let done = (0..<3).map { Self.c("c\($0)", $0, .exited, exit: 0) } + [Self.c("x", 1, .exited, exit: 0)]
        let plan = JobPlanner.plan(job: Self.job(completions: 3, mode: .indexed, ttl: .seconds(60)), containers: done, now: Self.t0)
        #expect(plan.status?.state == .complete)
        #expect(plan.status?.succeeded == 3)
        #expect(plan.status?.completedIndexes == "0-2")
        #expect(plan.wakeAt == Self.t0.addingTimeInterval(60))
        let finished = Self.job(completions: 3, mode: .indexed, ttl: .seconds(60), status: plan.status!)
        #expect(JobPlanner.plan(job: finished, containers: done, now: Self.t0.addingTimeInterval(59)).isEmpty)
        let expired = JobPlanner.plan(job: finished, containers: done, now: Self.t0.addingTimeInterval(60))
        #expect(expired.deleteJob)
    }

    @Test func theActiveDeadlineFailsTheJob() {
        let started = JobStatus(state: .running, active: 1, startTime: Self.t0)
        let job = Self.job(completions: 1, parallelism: 1, deadline: .seconds(30), status: started)
        let running = [Self.c("a", 0, .running)]
        let before = JobPlanner.plan(job: job, containers: running, now: Self.t0.addingTimeInterval(29))
        #expect(before.isEmpty && before.wakeAt == Self.t0.addingTimeInterval(30))
        let after = JobPlanner.plan(job: job, containers: running, now: Self.t0.addingTimeInterval(30))
        #expect(after.status?.state == .failed && after.status?.reason == .deadlineExceeded)
        #expect(after.stops.map(\.container) == ["a"])
    }

    @Test func suspendStopsAndParallelismZeroPauses() {
        let running = [Self.c("a", 0, .running), Self.c("b", 1, .pending)]
        let suspended = JobPlanner.plan(job: Self.job(suspend: true), containers: running, now: Self.t0)
        #expect(suspended.status?.state == .suspended)
        #expect(suspended.stops.map(\.container) == ["a"] && suspended.removes == ["b"])
        let paused = JobPlanner.plan(job: Self.job(parallelism: 0), containers: running, now: Self.t0)
        #expect(paused.creates.isEmpty)
        #expect(Set(paused.stops.map(\.container) + paused.removes) == ["a", "b"])
    }

    @Test func indexRangesRoundTrip() {
        #expect(IndexRanges.format([5, 0, 1, 2, 3]) == "0-3,5")
        #expect(IndexRanges.format([]) == "")
        #expect(IndexRanges.parse("0-3,5") == [0, 1, 2, 3, 5])
        #expect(IndexRanges.parse("3-1") == nil)
    }

    /// A simulated cluster runs the planner's containers: each step the clock moves, some
    /// unended containers start, succeed, fail or are lost; after every step no more than
    /// `parallelism` are unended, no index has two unended containers, and the job ends
    /// complete with every index succeeded, or failed once failures passed the limit.
    @Test(arguments: [UInt64(1), 2, 3, 17, 99])
    func seededRunsKeepTheInvariants(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let completions = 1 + rng.int(in: 0...11)
        let parallelism = 1 + rng.int(in: 0...3)
        let mode: JobCompletionMode = rng.int(in: 0...1) == 0 ? .indexed : .nonIndexed
        let backoffLimit = rng.int(in: 0...7)
        var job = Self.job(completions: completions, parallelism: parallelism, mode: mode, backoffLimit: backoffLimit, retryDelay: .seconds(1))
        var containers: [ContainerView] = []
        var now = Self.t0
        var nextID = 0
        for step in 0..<2_000 {
            let plan = JobPlanner.plan(job: job, containers: containers, now: now)
            // Apply: removes, stops, creates, status.
            containers.removeAll { plan.removes.contains($0.id) }
            for stop in plan.stops { if let i = containers.firstIndex(where: { $0.id == stop.container }) { containers[i].desiredState = .stopped } }
            for create in plan.creates {
                nextID += 1
                containers.append(ContainerView(id: "c\(nextID)", createIndex: UInt64(nextID), attempt: create.attempt, job: "batch", jobIndex: create.index))
            }
            if let status = plan.status { job.status = status }
            let unended = containers.filter { !$0.state.isTerminal }
            #expect(unended.count <= parallelism, "step \(step): \(unended.count) unended, parallelism \(parallelism)")
            let busy = unended.compactMap(\.jobIndex)
            #expect(Set(busy).count == busy.count, "step \(step): an index with two unended containers")
            if job.status.state.isFinished, unended.isEmpty { break }
            // The world moves on.
            now = now.addingTimeInterval(Double(rng.int(in: 0...2)))
            for i in containers.indices where !containers[i].state.isTerminal {
                switch (containers[i].state, rng.int(in: 0...5)) {
                case (.pending, _): containers[i].state = .running
                case (_, 0): containers[i].state = .failed; containers[i].finishedAt = now
                case (_, 1): containers[i].state = .lost; containers[i].desiredState = .stopped; containers[i].finishedAt = now
                case (_, 2), (_, 3):
                    containers[i].state = .exited
                    containers[i].exitCode = containers[i].desiredState == .stopped ? 143 : 0
                    containers[i].finishedAt = now
                default: break
                }
            }
        }
        #expect(job.status.state.isFinished, "seed \(seed): the job ends")
        let succeeded = Set(containers.filter { $0.state == .exited && $0.exitCode == 0 }.compactMap(\.jobIndex))
        if job.status.state == .complete {
            #expect(succeeded == Set(0..<completions))
            #expect(job.status.succeeded == completions)
        } else {
            #expect(job.status.reason == .backoffLimitExceeded)
            #expect(job.status.failed == backoffLimit + 1 || job.status.failed > backoffLimit)
        }
    }
}

