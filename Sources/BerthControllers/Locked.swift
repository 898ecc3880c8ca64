import Synchronization

/// A value a controller keeps across passes behind a lock: its running count of the work its
/// passes did (what the scale tests assert on, since work counted cannot flake the way time
/// measured can), or the scheduler's held containers.
public final class Locked<Value: Sendable>: Sendable {
    private let state: Mutex<Value>

    init(_ initial: Value) {
        state = Mutex(initial)
    }

    public var value: Value { state.withLock { $0 } }

    func update(_ change: (inout Value) -> Void) {
        state.withLock { change(&$0) }
    }
}
