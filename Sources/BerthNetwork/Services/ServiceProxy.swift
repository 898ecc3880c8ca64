import Foundation
import Synchronization

/// Keeps the service rules of one node applied: `update(_:)` on every batch of changes sends
/// one `nft -f` transaction holding only what changed, planned against the last applied plan
/// without reading the kernel; `verify()` reads the table, compares it with the plan and
/// repairs drift in one transaction (counted).
///
/// The first update, and any update after the kernel refused a transaction, is a full resync
/// (read, diff the whole plan, apply): the incremental path only ever builds on a kernel
/// state it has seen applied. A restarted agent therefore adopts the rules already in the
/// kernel: its first update changes only what differs, so connections keep working.
///
/// After a successful update it deletes the conntrack entries of UDP flows whose target left
/// (`StaleUDPFlow`), with `conntrack -D` in the node; a host without conntrack-tools keeps
/// them until they time out (counted as failures).
///
/// Its objects live in a table of their own, `ip berth-svc` (`ServiceRules.tableName`), beside
/// `HostNetwork`'s `ip berth`, so the node's sync never reads the services' maps. `verify()`
/// first asks the kernel's ruleset generation (`NFTGeneration`): unchanged since the table last
/// matched the plan, nothing in the namespace changed and nothing is read. Calls are serialised
/// and block on `nft`.
public final class ServiceProxy: Sendable {
    public let executor: HostNetworkExecutor
    private let state: Mutex<State>

    struct State {
        var plan = ServiceRules.RulePlan()
        /// Whether the kernel is known to hold `plan`.
        var inSync = false
        /// The input of the last update the kernel took: what UDP flows may still point at. Nil
        /// before the first (a restarted agent): then the table found in the kernel says it.
        var applied: ServiceRules.Input?
        var statistics = Statistics()
        /// The ruleset generation at which the kernel was last known to hold `plan`; nil when
        /// unknown (then `verify()` reads the table).
        var generation: UInt32?
    }

    /// Counters for the agent's metrics.
    public struct Statistics: Sendable, Hashable {
        /// Updates that ended with the kernel holding the plan.
        public var updates = 0
        /// Of those, applied with an incremental transaction (or needing none).
        public var incremental = 0
        /// Full resyncs: first update, or after the kernel refused an incremental transaction.
        public var fullResyncs = 0
        /// `verify()` calls that found the kernel differing from the plan (and repaired it).
        public var driftRepairs = 0
        /// Updates or verifies that threw.
        public var failures = 0
        /// `verify()` calls that found the ruleset generation unchanged and read nothing.
        public var unchangedChecks = 0
        /// UDP flows to removed targets whose conntrack entries were deleted (one `conntrack -D`
        /// each).
        public var staleFlowsCleared = 0
        /// `conntrack -D` calls that failed (or could not run): those flows time out instead.
        public var staleFlowFailures = 0
    }

    /// What one `update(_:)` did.
    public struct UpdateReport: Sendable {
        /// What was sent to nft (empty when nothing changed).
        public var transaction: NFTTransaction
        /// Planning units whose input changed (a service, a local container, a source set, …).
        public var changedUnits: Int
        public var fullResync: Bool
        /// Validating and planning (no I/O).
        public var planning: Duration
        /// Running nft (for a full resync, also reading the table).
        public var applying: Duration
        /// UDP flows to targets that left, whose conntrack entries were deleted after the rules.
        public var staleFlows: [StaleUDPFlow] = []
    }

    /// What one `verify()` found and did.
    public struct VerifyReport: Sendable {
        /// The repair sent (empty when the kernel matched the plan).
        public var repair: NFTTransaction
        /// `nft -j list table` and parsing it.
        public var reading: Duration
        public var total: Duration
        /// Whether the table was read (false: the ruleset generation had not moved).
        public var read = true
        public var drifted: Bool { !repair.isEmpty }
    }

    /// The node namespace's ruleset generation; nil where netlink is not available (then every
    /// check reads the table).
    private let generation: NFTGeneration?

    public init(executor: HostNetworkExecutor) {
        self.executor = executor
        generation = try? NFTGeneration(namespace: executor.namespace)
        state = Mutex(State())
    }

    /// For the node namespace `namespace` (nil: the agent's own).
    public convenience init(namespace: String?, runner: ToolRunner = ToolRunner()) {
        self.init(executor: HostNetworkExecutor(namespace: namespace, runner: runner))
    }

    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// The whole planned table (what `HostNetwork.setFirewallExtensions` would take if it, rather
    /// than this proxy, were to apply the service rules). Built on demand: O(rules).
    public var table: NFTTable { state.withLock { $0.plan.table() } }

    /// Plans `input` and applies what changed since the last update. Invalid input throws before
    /// anything changes; a refused transaction is retried as a full resync before throwing.
    @discardableResult
    public func update(_ input: ServiceRules.Input) throws(ServiceProxyError) -> UpdateReport {
        try state.withLock { (state) throws(ServiceProxyError) -> UpdateReport in
            let start = ContinuousClock.now
            let step: (before: NFTTable, after: NFTTable, changed: Int)
            do throws(ServiceRulesError) { step = try state.plan.update(to: input) } catch {
                state.statistics.failures += 1
                throw .invalidInput(error)
            }
            let planned = ContinuousClock.now
            if state.inSync {
                let transaction = NFTDiff.transaction(desired: step.after, observed: NFTTable(observedFrom: step.before))
                do throws(HostNetworkError) {
                    if !transaction.isEmpty { try applyTracked(transaction, &state) }
                    state.statistics.updates += 1
                    state.statistics.incremental += 1
                    let applying = ContinuousClock.now - planned
                    return UpdateReport(transaction: transaction, changedUnits: step.changed, fullResync: false,
                                        planning: planned - start, applying: applying, staleFlows: clearStaleFlows(to: input, found: nil, &state))
                } catch {
                    state.inSync = false  // the kernel is not what the plan assumed: read it
                }
            }
            let (transaction, found) = try resync(&state)
            state.statistics.updates += 1
            state.statistics.fullResyncs += 1
            let applying = ContinuousClock.now - planned
            return UpdateReport(transaction: transaction, changedUnits: step.changed, fullResync: true,
                                planning: planned - start, applying: applying, staleFlows: clearStaleFlows(to: input, found: found, &state))
        }
    }

    /// Reads the table and repairs any difference from the plan in one transaction, unless the
    /// ruleset generation shows that nothing changed since the table last matched the plan.
    /// Before the first update there is no plan, and nothing is checked.
    @discardableResult
    public func verify() throws(ServiceProxyError) -> VerifyReport {
        try state.withLock { (state) throws(ServiceProxyError) -> VerifyReport in
            let start = ContinuousClock.now
            guard !state.plan.inputs.isEmpty else { return VerifyReport(repair: NFTTransaction(), reading: .zero, total: .zero) }
            if let known = state.generation, let now = try? generation?.current(), now == known {
                state.statistics.unchangedChecks += 1
                return VerifyReport(repair: NFTTransaction(), reading: .zero, total: .now - start, read: false)
            }
            let before = try? generation?.current()
            let observed = try read(&state)
            let readDone = ContinuousClock.now
            let repair = NFTDiff.transaction(desired: state.plan.table(), observed: observed)
            try apply(repair, &state)
            if !repair.isEmpty && state.inSync { state.statistics.driftRepairs += 1 }
            state.inSync = true
            state.generation = Self.settled(before: before, after: try? generation?.current(), applied: !repair.isEmpty)
            return VerifyReport(repair: repair, reading: readDone - start, total: .now - start)
        }
    }

    /// The generation the kernel is known to match the plan at, after reading it at `before`
    /// (then matching, or repaired) and applying at most one transaction: only if nothing but
    /// that transaction committed in between; else unknown.
    static func settled(before: UInt32?, after: UInt32?, applied: Bool) -> UInt32? {
        guard let before, let after else { return nil }
        return after == (applied ? before &+ 1 : before) ? after : nil
    }

    /// Applies an incremental transaction, keeping the known generation when nothing else
    /// committed since it.
    private func applyTracked(_ transaction: NFTTransaction, _ state: inout State) throws(HostNetworkError) {
        let before = try? generation?.current()
        do { try executor.apply([.nftTransaction(transaction)]) } catch {
            state.generation = nil
            throw error
        }
        let known = state.generation
        state.generation = (known != nil && before == known) ? Self.settled(before: before, after: try? generation?.current(), applied: true) : nil
    }

    /// Removes the service rules' table (`HostNetwork`'s `ip berth` stays) and forgets the plan.
    public func teardown() throws(ServiceProxyError) {
        try state.withLock { (state) throws(ServiceProxyError) in
            let observed = try read(&state)
            try apply(NFTDiff.transaction(desired: nil, observed: observed), &state)
            state.plan = ServiceRules.RulePlan()
            state.inSync = false
            state.generation = nil
        }
    }

    /// Reads the table, applies the difference from the plan; the transaction and the table read.
    private func resync(_ state: inout State) throws(ServiceProxyError) -> (NFTTransaction, NFTTable?) {
        let before = try? generation?.current()
        let observed = try read(&state)
        let transaction = NFTDiff.transaction(desired: state.plan.table(), observed: observed)
        try apply(transaction, &state)
        state.inSync = true
        state.generation = Self.settled(before: before, after: try? generation?.current(), applied: !transaction.isEmpty)
        return (transaction, observed)
    }

    /// The service rules' table as the kernel holds it (nil when there is none).
    private func read(_ state: inout State) throws(ServiceProxyError) -> NFTTable? {
        let command = executor.inNode(["nft", "-j", "list", "table", "ip", ServiceRules.tableName])
        do throws(HostNetworkError) {
            let output = try executor.runner.run(command)
            if output.status != 0 {
                if output.stderr.contains("No such file or directory") { return nil }
                throw .commandFailed(command: command.joined(separator: " "), line: nil, status: output.status, stderr: output.stderr)
            }
            do { return try ServiceRules.ownedPart(ofListing: output.stdout) }
            catch { throw .unreadableOutput(command: command.joined(separator: " "), reason: error.description) }
        } catch {
            state.statistics.failures += 1
            throw .kernel(error)
        }
    }

    /// Deletes the conntrack entries of UDP flows whose target the rules just dropped (after the
    /// rules, so no new datagram is DNATed to it again) and remembers `input` as applied. The
    /// first update compares with the table `found` in the kernel: an agent restarted after a
    /// target left clears its flows too. `conntrack -D` exits 1 when nothing matched, which is fine.
    private func clearStaleFlows(to input: ServiceRules.Input, found: NFTTable?, _ state: inout State) -> [StaleUDPFlow] {
        let stale = state.applied.map { ServiceRules.staleUDPFlows(from: $0, to: input) } ?? ServiceRules.staleUDPFlows(fromTable: found, to: input)
        state.applied = input
        for flow in stale {
            let command = executor.inNode([
                "conntrack", "-D", "-p", "udp", "--orig-dst", "\(flow.vip)", "--orig-port-dst", "\(flow.port)", "--dst-nat", "\(flow.target)",
            ])
            let output = try? executor.runner.run(command)
            if let output, output.status == 0 || output.stderr.contains(" 0 flow entries have been deleted") {
                state.statistics.staleFlowsCleared += 1
            } else {
                state.statistics.staleFlowFailures += 1
            }
        }
        return stale
    }

    private func apply(_ transaction: NFTTransaction, _ state: inout State) throws(ServiceProxyError) {
        guard !transaction.isEmpty else { return }
        do { try executor.apply([.nftTransaction(transaction)]) } catch {
            state.statistics.failures += 1
            state.inSync = false
            state.generation = nil
            throw .kernel(error)
        }
    }
}

public enum ServiceProxyError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidInput(ServiceRulesError)
    case kernel(HostNetworkError)

    public var description: String {
        switch self {
        case .invalidInput(let error): error.description
        case .kernel(let error): error.description
        }
    }
}
