import BerthDNSWire
import BerthStore
import Foundation
import Logging
import Synchronization

/// Keeps the `DNSAnswerTable` in step with the store: loads the whole zone once, then, for
/// every batch of commits, re-reads the objects they changed (by key) and re-encodes the names
/// those objects own. Never a query per question.
///
/// The change hub calls the observer synchronously on the commit path, so it only notes the
/// keys and wakes the updater's thread; the reading and encoding happen there, and commits that
/// land meanwhile are merged into the next batch. A thread of its own, not a task: the
/// reconciliation loops keep the shared task pool busy for hundreds of milliseconds at a time
/// in a large cluster, and an answer must follow a change within milliseconds.
public final class DNSZoneUpdater: Sendable {
    public let zone: DNSZone
    public let table: DNSAnswerTable
    private let loader: DNSZoneLoader
    private let logger: Logger
    private let pending = Mutex(Pending())
    /// Signalled when keys arrive in an empty queue, and to stop.
    private let wake = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)
    /// Only the updater's thread changes it (after `load`); a lock makes the class Sendable.
    private let state = Mutex(DNSZoneState())
    /// The nodes' addresses, for the DNS rate limit's exemption (their forwarders ask for all
    /// their containers).
    private let nodeAddresses = Mutex<Set<DNSIPv4Address>>([])
    /// A batch with more keys than this (a placement pass of a whole cluster) reloads the zone
    /// whole: one scan is cheaper than tens of thousands of lookups by key.
    let fullReloadThreshold = 20_000

    private struct Pending {
        var changes = DNSChangeSet()
        var stopped = false
    }

    /// Follows `store.hub` from now on: commits before `load` are in the load, commits after
    /// it are queued for the thread `start` runs.
    public init(store: Store, zone: DNSZone, table: DNSAnswerTable, logger: Logger) {
        self.zone = zone
        self.table = table
        self.loader = DNSZoneLoader(store: store)
        self.logger = logger
        store.hub.observe { [weak self] publication in
            var changes = DNSChangeSet()
            changes.insert(publication.changes)
            guard let self, !changes.isEmpty else { return }
            let wasEmpty = pending.withLock { pending in
                defer { pending.changes.formUnion(changes) }
                return pending.changes.isEmpty
            }
            if wasEmpty { wake.signal() }
        }
    }

    /// Reads the whole zone and fills the table. Call once, before serving.
    public func load() throws {
        let loaded = try loader.loadAll()
        install(whole: loaded)
        logger.info("dns zone loaded", metadata: [
            "names": "\(table.count)", "services": "\(loaded.services.count)", "containers": "\(loaded.containers.count)",
            "nodes": "\(loaded.nodes.count)", "index": "\(loaded.index)",
        ])
    }

    /// Starts the thread that applies queued changes until `stop`.
    public func start() {
        let thread = Thread { [self] in
            while true {
                wake.wait()
                if pending.withLock({ $0.stopped }) { break }
                if !applyPending() {
                    Thread.sleep(forTimeInterval: 1)  // the store failed: try again shortly
                    wake.signal()
                }
            }
            exited.signal()
        }
        thread.name = "berth-dns-zone"
        thread.start()
    }

    /// Stops the thread (after the batch it is applying) and waits for it.
    public func stop() {
        pending.withLock { $0.stopped = true }
        wake.signal()
        exited.wait()
    }

    /// Applies what is queued now, on the calling thread (the tests step the updater with it).
    /// False when the store could not be read; the changes stay queued.
    @discardableResult
    public func applyPending() -> Bool {
        let changes = pending.withLock { pending in
            defer { pending.changes = DNSChangeSet() }
            return pending.changes
        }
        guard !changes.isEmpty else { return true }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            var read = Duration.zero
            if changes.count > fullReloadThreshold {
                let whole = try loader.loadAll()
                read = clock.now - start
                install(whole: whole)
            } else {
                let delta = try loader.reload(changes)
                read = clock.now - start
                apply(delta)
            }
            let took = clock.now - start
            logger.log(level: took > .milliseconds(50) ? .info : .debug, "dns zone updated", metadata: [
                "changes": "\(changes.count)", "ms": "\(took / .milliseconds(1))", "readMs": "\(read / .milliseconds(1))",
            ])
            return true
        } catch {
            logger.error("dns zone reload failed; retrying", metadata: ["error": "\(error)", "changes": "\(changes.count)"])
            pending.withLock { $0.changes.formUnion(changes) }
            return false
        }
    }

    /// True when `address` is a node's address (as the store has it now).
    public func isNodeAddress(_ address: DNSIPv4Address) -> Bool { nodeAddresses.withLock { $0.contains(address) } }

    /// The state the table was built from (tests compare it with the store).
    public var current: DNSZoneState { state.withLock { $0 } }

    /// Replaces the table's content with the encoding of `whole` (and removes what it lacks).
    private func install(whole: DNSZoneState) {
        let old = state.withLock { state in
            defer { state = whole }
            return state
        }
        nodeAddresses.withLock { $0 = Set(whole.nodes.values.compactMap(\.address)) }
        encode(zone.names(in: old).union(zone.names(in: whole)), in: whole)
    }

    /// Applies a batch and re-encodes every name an object in it owned before or owns now.
    private func apply(_ delta: DNSZoneDelta) {
        var names: Set<DNSName> = [zone.config.domain]
        let next = state.withLock { state in
            for (name, service) in delta.services {
                for owned in [state.services[name], service] {
                    if let owned { names.formUnion(zone.names(ofService: owned)) }
                }
                state.set(service: name, service)
            }
            for (service, targets) in delta.targets {
                if let owner = state.services[service] { names.formUnion(zone.names(ofService: owner)) }
                state.set(targets: service, targets)
            }
            for (id, container) in delta.containers {
                for label in [id, state.containers[id]?.name, container?.name].compactMap({ $0 }) {
                    if let name = zone.name(ofContainer: label) { names.insert(name) }
                }
                state.set(container: id, container)
            }
            for (name, node) in delta.nodes {
                if let owned = zone.name(ofNode: name) { names.insert(owned) }
                state.set(node: name, node)
            }
            state.index = max(state.index, delta.index)
            return state
        }
        if !delta.nodes.isEmpty { nodeAddresses.withLock { $0 = Set(next.nodes.values.compactMap(\.address)) } }
        encode(names, in: next)
    }

    private func encode(_ names: Set<DNSName>, in state: DNSZoneState) {
        table.apply(zone.encode(names, in: state), soa: zone.config.soa(serial: UInt32(truncatingIfNeeded: state.index)))
    }
}
