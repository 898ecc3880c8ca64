import Synchronization

/// Tells a parked wait that nobody is waiting for its answer any more: the HTTP client that
/// asked went away.
///
/// Hummingbird lets a request run on after its client disconnects, so a parked long-poll would
/// otherwise hold its memory and its place in the client's long-poll allowance until its wait ran
/// out or its object changed. The connection marks its `Abandonment` when its input closes; the
/// request gate makes it `current` for the requests that may block, and `ChangeHub.wait` ends
/// as soon as it is marked.
public final class Abandonment: Sendable {
    private struct State {
        var abandoned = false
        var action: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    /// The abandonment of the request this task serves, if its connection has one.
    @TaskLocal public static var current: Abandonment?

    public init() {}

    public var isAbandoned: Bool { state.withLock { $0.abandoned } }

    /// Marks it abandoned and runs the waiting action, once.
    public func abandon() {
        let action = state.withLock { state -> (@Sendable () -> Void)? in
            guard !state.abandoned else { return nil }
            state.abandoned = true
            defer { state.action = nil }
            return state.action
        }
        action?()
    }

    /// Runs `action` when abandoned, at once if it already is. One action at a time: a
    /// connection serves one request at a time.
    func onAbandon(_ action: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            if state.abandoned { return true }
            state.action = action
            return false
        }
        if now { action() }
    }

    /// Forgets the action: the wait it would end is over.
    func clear() {
        state.withLock { $0.action = nil }
    }
}
