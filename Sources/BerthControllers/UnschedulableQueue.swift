import Foundation

/// The pending containers the scheduler could not place, held out of later passes until
/// something could let them fit (kube-scheduler's unschedulable queue).
///
/// A stuck container would otherwise be planned again on every pass — with thousands of them
/// (a constraint nothing satisfies, a full cluster) each pass examines every node for each shape,
/// and a pass's cost follows the cluster again. A held container is tried again once the
/// cluster's capacity epoch moved (capacity or an address freed, a node added or changed, a
/// placement rule changed) and its backoff ran out (1 s doubling to 10 s), or after `maxHold`
/// whatever happened. Its reason stays as the last attempt wrote it: exact as of then.
struct UnschedulableQueue: Sendable {
    struct Entry: Sendable, Equatable {
        var epoch: UInt64
        var tried: Date
        var attempts: Int
    }

    private(set) var entries: [String: Entry] = [:]
    var initialBackoff: TimeInterval = 1
    var maxBackoff: TimeInterval = 10
    var maxHold: TimeInterval = 60

    /// Whether `id` sits this pass out.
    func isHeld(_ id: String, epoch: UInt64, now: Date) -> Bool {
        guard let entry = entries[id] else { return false }
        let waited = now.timeIntervalSince(entry.tried)
        if waited >= maxHold || waited < 0 { return false }
        return entry.epoch == epoch || waited < backoff(entry.attempts)
    }

    /// The held containers whose hold is over: what a pass retries. Walks the entries only when
    /// one can have come due — the epoch moved, or the earliest release time passed — so a pass
    /// with thousands held and nothing changed costs nothing here.
    mutating func due(epoch: UInt64, now: Date) -> [String] {
        if let quiet, quiet.epoch == epoch, now < quiet.until, now >= quiet.since { return [] }
        walks += 1
        var due: [String] = []
        var next = Date.distantFuture
        for (id, entry) in entries {
            if isHeld(id, epoch: epoch, now: now) { next = min(next, release(entry, epoch: epoch)) } else { due.append(id) }
        }
        quiet = Quiet(epoch: epoch, since: now, until: next)
        return due
    }

    /// When `entry` stops being held if the epoch stays `epoch`.
    private func release(_ entry: Entry, epoch: UInt64) -> Date {
        entry.tried.addingTimeInterval(entry.epoch == epoch ? maxHold : min(maxHold, backoff(entry.attempts)))
    }

    /// Until when, with the epoch unchanged, no entry comes due (`since`: the walk that found it,
    /// so a clock that goes back walks again).
    private struct Quiet: Sendable {
        var epoch: UInt64
        var since: Date
        var until: Date
    }

    private var quiet: Quiet?
    /// How often `due` walked the entries (for the tests that count work).
    private(set) var walks = 0

    func backoff(_ attempts: Int) -> TimeInterval {
        min(maxBackoff, initialBackoff * pow(2, Double(max(0, attempts - 1))))
    }

    /// Records the pass's outcome: the containers that found no node are held (as of `epoch`),
    /// the ones placed, and any no longer pending, are forgotten.
    mutating func record(unschedulable: some Sequence<String>, placed: some Sequence<String>, pending: Set<String>, epoch: UInt64, now: Date) {
        for id in unschedulable {
            let entry = Entry(epoch: epoch, tried: now, attempts: (entries[id]?.attempts ?? 0) + 1)
            entries[id] = entry
            if var known = quiet, known.epoch == epoch {
                known.until = min(known.until, release(entry, epoch: epoch))
                quiet = known
            } else {
                quiet = nil
            }
        }
        for id in placed { entries[id] = nil }
        // Containers deleted or given up while held: swept now and then, not on every pass
        // (with tens of thousands held, a sweep per pass was most of a small pass's cost).
        if lastSweep.map({ now.timeIntervalSince($0) >= Self.sweepInterval || now < $0 }) ?? true {
            lastSweep = now
            entries = entries.filter { pending.contains($0.key) }
        }
    }

    private var lastSweep: Date?
    static let sweepInterval: TimeInterval = 10
}
