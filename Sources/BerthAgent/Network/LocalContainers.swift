import BerthCore
import Synchronization

/// The containers running on this node with their addresses and services, kept by the linux
/// driver as it attaches and releases them; the service plane enforces policy for exactly
/// these, and hears of each change through `changes`.
final class LocalContainers: Sendable {
    private let state = Mutex<[String: LocalContainer]>([:])
    let changes: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation

    init() {
        (changes, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    var all: [LocalContainer] { state.withLock { Array($0.values) } }

    func set(_ id: String, _ container: LocalContainer?) {
        let changed = state.withLock { state -> Bool in
            guard state[id] != container else { return false }
            state[id] = container
            return true
        }
        if changed { signal.yield() }
    }
}
