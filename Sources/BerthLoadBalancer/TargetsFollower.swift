import Logging

/// Keeps one proxy config file in step with the targets of one or more services.
///
/// Each service has its own long-poll loop (a slow or missing service must not hold up the
/// others); their answers flow into one consumer that owns the state, so rendering and applying
/// happen one at a time and need no lock. The consumer re-renders the whole file from the latest
/// targets of all services and hands it to the applier only when the targets changed; the applier
/// reloads only when the text changed.
public struct TargetsFollower: Sendable {
    public var services: [String]
    public var renderer: any ConfigRenderer
    public var source: any TargetsSource
    public var applier: any ConfigApplying
    public var schedule: PollSchedule
    public var logger: Logger
    /// Injected so tests run the loops without waiting; `Task.sleep` otherwise.
    public var sleep: @Sendable (Duration) async throws -> Void

    public init(
        services: [String], renderer: any ConfigRenderer, source: any TargetsSource, applier: any ConfigApplying,
        schedule: PollSchedule = PollSchedule(), logger: Logger,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.services = services
        self.renderer = renderer
        self.source = source
        self.applier = applier
        self.schedule = schedule
        self.logger = logger
        self.sleep = sleep
    }

    /// Reads every service once, without blocking, renders and applies. Throws on the first
    /// failed read: with `--once` a wrong file is worse than none.
    public func runOnce() async throws -> ApplyOutcome {
        var state = FollowerState(services: services)
        for service in services {
            _ = state.record(try await source.fetch(service: service, after: 0), for: service)
        }
        return await apply(state)
    }

    /// Follows until cancelled; only returns by throwing `CancellationError`.
    public func run() async throws {
        let (updates, continuation) = AsyncStream.makeStream(of: Update.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in services {
                group.addTask { try await poll(service, into: continuation) }
            }
            group.addTask { await consume(updates) }
            // Nothing returns while the task lives: the polls only end by throwing, and the
            // consumer only when cancellation ends the stream.
            try await group.next()
            group.cancelAll()
        }
        throw CancellationError()
    }

    struct Update: Sendable {
        var service: String
        var answer: TargetsAnswer
    }

    private func poll(_ service: String, into updates: AsyncStream<Update>.Continuation) async throws {
        var schedule = self.schedule
        var missing = false
        while true {
            try Task.checkCancellation()
            let delay: Duration
            do {
                let answer = try await source.fetch(service: service, after: schedule.index)
                updates.yield(Update(service: service, answer: answer))
                delay = schedule.next(after: answer)
                if (answer.targets == nil) != missing {
                    missing.toggle()
                    if missing {
                        logger.warning("service \(service) not found; rendering it with no target and checking every \(delay)")
                    } else {
                        logger.info("service \(service) now exists")
                    }
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                delay = schedule.nextAfterError()
                logger.warning("reading targets of \(service) failed (\(schedule.errors) in a row): \(error); retrying in \(delay)")
            }
            if delay > .zero { try await sleep(delay) }
        }
    }

    private func consume(_ updates: AsyncStream<Update>) async {
        var state = FollowerState(services: services)
        for await update in updates {
            guard state.record(update.answer, for: update.service), state.isComplete else { continue }
            _ = await apply(state)
        }
    }

    private func apply(_ state: FollowerState) async -> ApplyOutcome {
        let outcome = await applier.apply(renderer.render(state.snapshot))
        switch outcome {
        case .unchanged: logger.debug("\(renderer.proxyName) config unchanged: \(state.summary)")
        case .applied: logger.info("\(renderer.proxyName) config \(outcome): \(state.summary)")
        case .rejected, .failed: logger.error("\(renderer.proxyName) config \(outcome): \(state.summary)")
        }
        return outcome
    }
}
