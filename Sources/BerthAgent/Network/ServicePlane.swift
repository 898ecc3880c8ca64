import BerthCore
import BerthNetwork
import Dispatch
import Foundation
import Logging
import Metrics

/// Routes every service VIP on this node and enforces the services' ingress policy, as
/// kube-proxy's nftables mode does: reads every service's targets once (`GET /v1/targets`),
/// then follows the `target` events by long-poll and the containers this node runs, and hands
/// each batch of changes to the `ServiceProxy`, which applies one nft transaction holding only
/// what changed. Every `verifyEvery` it compares the kernel with the plan and repairs drift.
///
/// After each update it tells the `PolicyGate` what the kernel holds, which is what a container
/// about to start waits for; an update the kernel refused is retried with a backoff.
struct ServicePlane: Sendable {
    let proxy: ServiceProxy
    let view: ClusterView
    let local: LocalContainers
    let gate: PolicyGate
    let clock: any BerthClock
    let verifyEvery: Duration
    let logger: Logger
    private let queue = DispatchQueue(label: "berth.agent.services")
    /// From a change seen (an event read, a container started or stopped) to nft applied.
    private let programming = Metrics.Timer(label: "berth_agent_network_programming_duration_seconds", dimensions: [("what", "services")])
    private let drift = Counter(label: "berth_agent_nft_drift_repairs_total")
    private let failures = Counter(label: "berth_agent_nft_sync_failures_total")
    /// UDP flows to targets that left whose conntrack entries the agent deleted.
    private let staleFlows = Counter(label: "berth_agent_udp_stale_flows_cleared_total")

    init(proxy: ServiceProxy, view: ClusterView, local: LocalContainers, gate: PolicyGate, clock: any BerthClock,
         verifyEvery: Duration = .seconds(30), logger: Logger) {
        self.proxy = proxy
        self.view = view
        self.local = local
        self.gate = gate
        self.clock = clock
        self.verifyEvery = verifyEvery
        self.logger = logger
    }

    /// What the apply loop acts on; `seen` is the clock's uptime when the change was seen.
    private enum Trigger: Sendable {
        /// Every service, from a (re)list.
        case listed([ServiceDocument], seen: Duration)
        case services(changed: [ServiceDocument], deleted: [String], seen: Duration)
        case local(seen: Duration)
        /// A refused update's retry.
        case retry(seen: Duration)
        case verify
    }

    /// Runs until cancelled.
    func run() async {
        let (triggers, sink) = AsyncStream.makeStream(of: Trigger.self, bufferingPolicy: .unbounded)
        let (retries, retry) = AsyncStream.makeStream(of: Duration.self, bufferingPolicy: .bufferingNewest(1))
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await follow(into: sink) }
            group.addTask {
                for await _ in local.changes { sink.yield(.local(seen: clock.uptime)) }
            }
            group.addTask {
                while !Task.isCancelled {
                    do { try await clock.sleep(for: verifyEvery) } catch { return }
                    sink.yield(.verify)
                }
            }
            group.addTask {
                for await delay in retries {
                    do { try await clock.sleep(for: delay) } catch { return }
                    sink.yield(.retry(seen: clock.uptime))
                }
            }
            group.addTask { await apply(triggers, retry: retry) }
            await group.next()
            group.cancelAll()
            sink.finish()
            retry.finish()
        }
    }

    /// Lists every service, then follows their changes; lists again after a 410 or an error.
    private func follow(into sink: AsyncStream<Trigger>.Continuation) async {
        var after: UInt64?
        var backoff = Backoff()
        while !Task.isCancelled {
            do {
                if after == nil {
                    let start = clock.uptime
                    let (services, index) = try await view.services()
                    logger.debug("services listed", metadata: ["services": "\(services.count)", "took": "\(clock.uptime - start)"])
                    sink.yield(.listed(services, seen: clock.uptime))
                    after = index
                }
                guard let changes = try await view.serviceChanges(after: after!, wait: .seconds(10)) else {
                    after = nil
                    continue
                }
                if !changes.changed.isEmpty || !changes.deleted.isEmpty {
                    sink.yield(.services(changed: changes.changed, deleted: changes.deleted, seen: clock.uptime))
                }
                after = changes.next
                backoff.succeeded()
            } catch {
                if Task.isCancelled { return }
                logger.warning("cannot follow the services; retrying", metadata: ["error": "\(error)"])
                after = nil
                do { try await backoff.wait(on: clock) } catch { return }
            }
        }
    }

    /// Keeps the services' views and programs each batch. Nothing is applied before the first
    /// complete list: a partial view would delete the rules of the services not yet read.
    private func apply(_ triggers: AsyncStream<Trigger>, retry: AsyncStream<Duration>.Continuation) async {
        var services = ServiceRulesView()
        var ready = false
        var published = PolicyState()
        var backoff = Backoff()
        var retrying = false
        var reported: [String: String] = [:]
        for await trigger in triggers {
            let seen: Duration
            switch trigger {
            case .listed(let all, let at):
                services.replaceAll(all)
                ready = true
                seen = at
            case .services(let changed, let deleted, let at):
                for document in changed { services.update(document) }
                for name in deleted { services.remove(name) }
                seen = at
            case .local(let at):
                seen = at
            case .retry(let at):
                retrying = false
                seen = at
            case .verify:
                if ready { await verify() }
                continue
            }
            guard ready else { continue }
            for (name, reason) in services.refused where reported[name] != reason {
                logger.error("cannot program the rules of a service; its programming stops until they read", metadata: ["service": "\(name)", "error": "\(reason)"])
            }
            reported = services.refused
            let start = clock.uptime
            let (revision, containers) = local.snapshot
            let input = ServiceInput.make(services.services, local: containers)
            published.listed = true
            published.refused = services.refused
            if let error = await update(input, seen: seen, making: clock.uptime - start) {
                published.failure = PolicyState.Failure(revision: revision, reason: error)
                if !retrying {
                    retrying = true
                    retry.yield(backoff.failed())
                }
            } else {
                backoff.succeeded()
                published.failure = nil
                published.applied = revision
                published.services = services.names
            }
            gate.publish(published)
        }
    }

    /// Applies `input`; the error, if the kernel refused it. `making`: the time
    /// `ServiceInput.make` took, logged with the proxy's planning and applying.
    private func update(_ input: ServiceRules.Input, seen: Duration, making: Duration) async -> String? {
        do {
            let report = try await run { proxy in try proxy.update(input) }
            if !report.transaction.isEmpty {
                programming.recordNanoseconds(Int64((clock.uptime - seen) / .nanoseconds(1)))
                logger.debug("services programmed", metadata: [
                    "units": "\(report.changedUnits)", "full": "\(report.fullResync)", "input": "\(making)",
                    "planning": "\(report.planning)", "applying": "\(report.applying)", "sinceSeen": "\(clock.uptime - seen)",
                ])
            }
            if !report.staleFlows.isEmpty {
                staleFlows.increment(by: Int64(report.staleFlows.count))
                logger.debug("UDP flows to removed targets cleared", metadata: ["flows": "\(report.staleFlows)"])
            }
            return nil
        } catch {
            failures.increment()
            logger.warning("cannot program the services; retrying", metadata: ["error": "\(error)"])
            return "\(error)"
        }
    }

    private func verify() async {
        do {
            let report = try await run { proxy in try proxy.verify() }
            if report.drifted {
                drift.increment()
                logger.warning("service rules had drifted from the plan; repaired", metadata: ["commands": "\(report.repair.commands.count)"])
            }
        } catch {
            failures.increment()
            logger.warning("cannot verify the service rules", metadata: ["error": "\(error)"])
        }
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable (ServiceProxy) throws -> T) async throws -> T {
        let proxy = self.proxy
        return try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body(proxy) }) }
        }
    }
}
