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
struct ServicePlane: Sendable {
    let proxy: ServiceProxy
    let view: ClusterView
    let local: LocalContainers
    let verifyEvery: Duration
    let logger: Logger
    private let queue = DispatchQueue(label: "berth.agent.services")
    /// From a change seen (an event read, a container started or stopped) to nft applied.
    private let programming = Metrics.Timer(label: "berth_agent_network_programming_duration_seconds", dimensions: [("what", "services")])
    private let drift = Counter(label: "berth_agent_nft_drift_repairs_total")
    private let failures = Counter(label: "berth_agent_nft_sync_failures_total")
    /// UDP flows to targets that left whose conntrack entries the agent deleted.
    private let staleFlows = Counter(label: "berth_agent_udp_stale_flows_cleared_total")

    init(proxy: ServiceProxy, view: ClusterView, local: LocalContainers, verifyEvery: Duration = .seconds(30), logger: Logger) {
        self.proxy = proxy
        self.view = view
        self.local = local
        self.verifyEvery = verifyEvery
        self.logger = logger
    }

    private enum Trigger: Sendable {
        /// Every service, from a (re)list.
        case listed([ServiceView], seen: ContinuousClock.Instant)
        case services(changed: [ServiceView], deleted: [String], seen: ContinuousClock.Instant)
        case local(seen: ContinuousClock.Instant)
        case verify
    }

    /// Runs until cancelled.
    func run() async {
        let (triggers, sink) = AsyncStream.makeStream(of: Trigger.self, bufferingPolicy: .unbounded)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await follow(into: sink) }
            group.addTask {
                for await _ in local.changes { sink.yield(.local(seen: .now)) }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: verifyEvery)
                    sink.yield(.verify)
                }
            }
            group.addTask { await apply(triggers) }
            await group.next()
            group.cancelAll()
            sink.finish()
        }
    }

    /// Lists every service, then follows their changes; lists again after a 410 or an error.
    private func follow(into sink: AsyncStream<Trigger>.Continuation) async {
        var after: UInt64?
        var delay: Duration = .milliseconds(200)
        while !Task.isCancelled {
            do {
                if after == nil {
                    let start = ContinuousClock.now
                    let (services, index) = try await view.services()
                    logger.debug("services listed", metadata: ["services": "\(services.count)", "took": "\(ContinuousClock.now - start)"])
                    sink.yield(.listed(services, seen: .now))
                    after = index
                }
                guard let changes = try await view.serviceChanges(after: after!, wait: .seconds(10)) else {
                    after = nil
                    continue
                }
                if !changes.changed.isEmpty || !changes.deleted.isEmpty {
                    sink.yield(.services(changed: changes.changed, deleted: changes.deleted, seen: .now))
                }
                after = changes.next
                delay = .milliseconds(200)
            } catch {
                if Task.isCancelled { return }
                logger.warning("cannot follow the services; retrying", metadata: ["error": "\(error)"])
                after = nil
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    /// Keeps the services' views and programs each batch. Nothing is applied before the first
    /// complete list: a partial view would delete the rules of the services not yet read.
    private func apply(_ triggers: AsyncStream<Trigger>) async {
        var services: [String: ServiceView] = [:]
        var ready = false
        for await trigger in triggers {
            let seen: ContinuousClock.Instant
            switch trigger {
            case .listed(let all, let at):
                services = Dictionary(all.map { ($0.service, $0) }) { $1 }
                ready = true
                seen = at
            case .services(let changed, let deleted, let at):
                for view in changed { services[view.service] = view }
                for name in deleted { services[name] = nil }
                seen = at
            case .local(let at):
                seen = at
            case .verify:
                if ready { await verify() }
                continue
            }
            guard ready else { continue }
            let start = ContinuousClock.now
            let input = ServiceInput.make(services.values, local: local.all)
            await update(input, seen: seen, making: ContinuousClock.now - start)
        }
    }

    /// `making`: the time `ServiceInput.make` took, logged with the proxy's planning and applying.
    private func update(_ input: ServiceRules.Input, seen: ContinuousClock.Instant, making: Duration) async {
        do {
            let report = try await run { proxy in try proxy.update(input) }
            if !report.transaction.isEmpty {
                programming.recordNanoseconds(Int64((ContinuousClock.now - seen) / .nanoseconds(1)))
                logger.debug("services programmed", metadata: [
                    "units": "\(report.changedUnits)", "full": "\(report.fullResync)", "input": "\(making)",
                    "planning": "\(report.planning)", "applying": "\(report.applying)", "sinceSeen": "\(ContinuousClock.now - seen)",
                ])
            }
            if !report.staleFlows.isEmpty {
                staleFlows.increment(by: Int64(report.staleFlows.count))
                logger.debug("UDP flows to removed targets cleared", metadata: ["flows": "\(report.staleFlows)"])
            }
        } catch {
            failures.increment()
            logger.warning("cannot program the services", metadata: ["error": "\(error)"])
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
