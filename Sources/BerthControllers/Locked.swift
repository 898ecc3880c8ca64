import Synchronization

/// A value a controller keeps across passes behind a lock: its running count of the work its
/// passes did (what the scale tests assert on, since work counted cannot flake the way time
/// measured can), or a queue: the scheduler's held containers, the service controller's services.
public final class Locked<Value: Sendable>: Sendable {
    private let state: Mutex<Value>

    init(_ initial: Value) {
        state = Mutex(initial)
    }

    public var value: Value { state.withLock { $0 } }

    @discardableResult
    func update<T>(_ change: (inout Value) -> T) -> T {
        state.withLock { change(&$0) }
    }
}
