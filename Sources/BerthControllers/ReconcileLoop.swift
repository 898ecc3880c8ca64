import BerthStore
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// A level-triggered reconciliation loop: run a pass, then sleep until something it watches
/// changes, until a periodic resync, or until the time the pass asked to be woken at.
///
/// A pass reads one consistent snapshot, asks a pure planner for a plan and commits it; the
/// loop never tells it what changed. A failing pass is logged and counted, and the loop goes
/// on; it ends only on graceful shutdown (returning otherwise would be a failure).
public struct ReconcileLoop: Service {
    /// What a pass reports back to its loop.
    public struct Outcome: Sendable {
        /// Wake no later than this, even if nothing changes (a backoff or a timeout ends).
        public var wakeAt: Date?

        public init(wakeAt: Date? = nil) { self.wakeAt = wakeAt }
    }

    public let name: String
    let store: Store
    let watch: WatchFilter
    let resync: Duration
    /// The least time between two passes: a burst of writes (heartbeats, a load test) wakes the
    /// loop once per interval, not once per write.
    let minInterval: Duration
    let pass: @Sendable () async throws -> Outcome
    let logger: Logger
    /// Passes run and passes failed, for tests and metrics.
    public let counters = Counters()

    public final class Counters: Sendable {
        private let state = Mutex((passes: 0, failures: 0))
        public var passes: Int { state.withLock { $0.passes } }
        public var failures: Int { state.withLock { $0.failures } }
        func record(failed: Bool) { state.withLock { $0.passes += 1; if failed { $0.failures += 1 } } }
    }

    /// The loop's Prometheus series: `berth_loop_passes_total`, `berth_loop_errors_total` and
    /// `berth_loop_pass_duration_seconds`, each labelled with the loop's name.
    struct Instruments: Sendable {
        let passes: Counter
        let errors: Counter
        let duration: Metrics.Timer

        init(loop: String) {
            passes = Counter(label: "berth_loop_passes_total", dimensions: [("loop", loop)])
            errors = Counter(label: "berth_loop_errors_total", dimensions: [("loop", loop)])
            duration = Metrics.Timer(label: "berth_loop_pass_duration_seconds", dimensions: [("loop", loop)])
        }
    }

    public init(name: String, store: Store, watch: WatchFilter, resync: Duration, minInterval: Duration = .milliseconds(100),
                logger: Logger, pass: @escaping @Sendable () async throws -> Outcome) {
        self.name = name
        self.store = store
        self.watch = watch
        self.resync = resync
        self.minInterval = minInterval
        self.logger = logger
        self.pass = pass
    }

    public func run() async throws {
        logger.debug("loop started", metadata: ["loop": "\(name)"])
        let instruments = Instruments(loop: name)
        let clock = store.clock
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let seen = store.hub.current
            let started = clock.uptime
            var outcome = Outcome()
            do {
                outcome = try await pass()
                counters.record(failed: false)
            } catch {
                counters.record(failed: true)
                instruments.errors.increment()
                logger.error("pass failed", metadata: ["loop": "\(name)", "error": "\(error)"])
            }
            instruments.passes.increment()
            instruments.duration.record(duration: clock.uptime - started)
            var timeout = resync
            if let wakeAt = outcome.wakeAt {
                let millis = max(0, Int64(wakeAt.timeIntervalSince(clock.date) * 1000))
                timeout = min(timeout, .milliseconds(millis) + .milliseconds(5))
            }
            let (store, watch, wait) = (self.store, self.watch, timeout)
            let spacing = minInterval
            await cancelWhenGracefulShutdown {
                await store.waitInternal(after: seen, filter: watch, timeout: wait)
                try? await clock.sleep(until: started + spacing)
            }
        }
        logger.debug("loop stopped", metadata: ["loop": "\(name)"])
    }
}
