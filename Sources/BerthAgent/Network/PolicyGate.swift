import BerthCore
import Synchronization

/// Where a container about to start waits for its network policy: the service plane publishes
/// what it programmed (`PolicyState`), the linux driver asks `admit` before the container's
/// command runs and gets an answer by `PolicyAdmission`: go, a refusal that says why, or, after
/// `timeout` of waiting, a refusal naming what it waited for.
final class PolicyGate: Sendable {
    private struct State {
        var policy = PolicyState()
        /// Bumped by every publish; a waiter wakes when it moved.
        var version: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
        /// Waiters cancelled before they parked.
        var cancelled: Set<UInt64> = []
    }

    private let state = Mutex(State())
    let clock: any BerthClock
    /// The longest a container waits for its policy before it is refused.
    let timeout: Duration

    init(clock: any BerthClock, timeout: Duration = .seconds(30)) {
        self.clock = clock
        self.timeout = timeout
    }

    var current: PolicyState { state.withLock { $0.policy } }

    /// Replaces what the service plane has programmed and wakes the waiting containers.
    func publish(_ policy: PolicyState) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.policy = policy
            state.version &+= 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once a container of `service` declared at `revision` may start; throws a
    /// `DriverError` saying why when it may not, or when it waited `timeout` for its policy.
    func admit(service: String?, revision: UInt64) async throws {
        let deadline = clock.uptime + timeout
        while true {
            let (policy, version) = state.withLock { ($0.policy, $0.version) }
            switch PolicyAdmission.decide(service: service, revision: revision, state: policy) {
            case .start:
                return
            case .refuse(let reason):
                throw DriverError(reason)
            case .wait(let reason):
                try Task.checkCancellation()
                if clock.uptime >= deadline { throw DriverError("\(reason) (waited \(timeout))") }
                await changed(after: version, until: deadline)
            }
        }
    }

    /// Until the next publish after `version`, or `deadline`, or cancellation.
    private func changed(after version: UInt64, until deadline: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.next(after: version) }
            group.addTask { [clock] in try? await clock.sleep(until: deadline) }
            await group.next()
            group.cancelAll()
        }
    }

    private func next(after version: UInt64) async {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter &+= 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.version != version || state.cancelled.remove(id) != nil { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
                state.cancelled.insert(id)
                return nil
            }
            waiter?.resume()
        }
    }
}
