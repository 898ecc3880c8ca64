import Synchronization

/// A controller's running count of the work its passes did (nodes examined, services planned):
/// what the scale tests assert on, since work counted cannot flake the way time measured can.
public final class Tally<Value: Sendable>: Sendable {
    private let state: Mutex<Value>

    init(_ initial: Value) {
        state = Mutex(initial)
    }

    public var value: Value { state.withLock { $0 } }

    func update(_ change: (inout Value) -> Void) {
        state.withLock { change(&$0) }
    }
}
