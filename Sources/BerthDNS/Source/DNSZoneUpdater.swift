import BerthDNSWire
import BerthStore
import Logging
import Synchronization

/// Keeps the `DNSAnswerTable` in step with the store: loads the whole zone once, then, for
/// every batch of commits, re-reads the objects they changed (by key) and re-encodes the names
/// those objects own. Never a query per question.
///
/// The change hub calls the observer synchronously on the commit path, so it only notes the
/// keys and wakes the updater's task; the reading and encoding happen there, and commits that
/// land meanwhile are merged into the next batch.
public final class DNSZoneUpdater: Sendable {
    public let zone: DNSZone
    public let table: DNSAnswerTable
    private let loader: DNSZoneLoader
    private let logger: Logger
    private let pending = Mutex(DNSChangeSet())
    private let wake: AsyncStream<Void>.Continuation
    private let woken: AsyncStream<Void>
    /// Only the updater's task changes it (after `load`); a lock makes the class Sendable.
    private let state = Mutex(DNSZoneState())
    /// A batch with more keys than this (a placement pass of a whole cluster) reloads the zone
    /// whole: one scan is cheaper than tens of thousands of lookups by key.
    let fullReloadThreshold = 20_000

    /// Follows `store.hub` from now on: commits before `load` are in the load, commits after
    /// it are queued for `run`.
    public init(store: Store, zone: DNSZone, table: DNSAnswerTable, logger: Logger) {
        self.zone = zone
        self.table = table
        self.loader = DNSZoneLoader(store: store)
        self.logger = logger
        (woken, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        store.hub.observe { [weak self] publication in
            var changes = DNSChangeSet()
            changes.insert(publication.changes)
            guard let self, !changes.isEmpty else { return }
            pending.withLock { $0.formUnion(changes) }
            wake.yield()
        }
    }

    /// Reads the whole zone and fills the table. Call once, before serving.
    public func load() async throws {
        let loaded = try await loader.loadAll()
        install(whole: loaded)
        logger.info("dns zone loaded", metadata: [
            "names": "\(table.count)", "services": "\(loaded.services.count)", "containers": "\(loaded.containers.count)",
            "nodes": "\(loaded.nodes.count)", "index": "\(loaded.index)",
        ])
    }

    /// Applies queued changes until the task is cancelled.
    public func run() async {
        for await _ in woken {
            await applyPending()
        }
    }

    /// Applies what is queued now (the tests call it to step the updater).
    public func applyPending() async {
        let changes = pending.withLock { pending in
            defer { pending = DNSChangeSet() }
            return pending
        }
        guard !changes.isEmpty else { return }
        do {
            if changes.count > fullReloadThreshold {
                install(whole: try await loader.loadAll())
            } else {
                apply(try await loader.reload(changes))
            }
        } catch {
            // Try again shortly with whatever else has come in meanwhile.
            logger.error("dns zone reload failed; retrying", metadata: ["error": "\(error)", "changes": "\(changes.count)"])
            pending.withLock { $0.formUnion(changes) }
            try? await Task.sleep(for: .seconds(1))
            wake.yield()
        }
    }

    /// Stops `run`.
    public func finish() { wake.finish() }

    /// The state the table was built from (tests compare it with the store).
    public var current: DNSZoneState { state.withLock { $0 } }

    /// Replaces the table's content with the encoding of `whole` (and removes what it lacks).
    private func install(whole: DNSZoneState) {
        let old = state.withLock { state in
            defer { state = whole }
            return state
        }
        let names = zone.names(in: old).union(zone.names(in: whole))
        encode(names, in: whole)
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
        encode(names, in: next)
    }

    private func encode(_ names: Set<DNSName>, in state: DNSZoneState) {
        table.apply(zone.encode(names, in: state), soa: zone.config.soa(serial: UInt32(truncatingIfNeeded: state.index)))
    }
}
