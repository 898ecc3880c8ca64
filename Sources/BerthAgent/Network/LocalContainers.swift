import BerthCore
import Synchronization

/// The containers running (or about to start) on this node with their addresses and services,
/// kept by the linux driver; the service plane enforces policy for exactly these, and hears of
/// each change through `changes`. Each change moves `revision`, so a container about to start
/// can wait until the service plane programmed an input that holds it (`PolicyGate`).
final class LocalContainers: Sendable {
    private struct State {
        var containers: [String: LocalContainer] = [:]
        var revision: UInt64 = 0
    }

    private let state = Mutex(State())
    let changes: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation

    init() {
        (changes, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    var all: [LocalContainer] { state.withLock { Array($0.containers.values) } }

    /// The containers and the revision they are at, read together.
    var snapshot: (revision: UInt64, containers: [LocalContainer]) {
        state.withLock { ($0.revision, Array($0.containers.values)) }
    }

    /// Declares (or, with nil, removes) a container; returns the revision that holds the change.
    @discardableResult
    func set(_ id: String, _ container: LocalContainer?) -> UInt64 {
        let (changed, revision) = state.withLock { state -> (Bool, UInt64) in
            guard state.containers[id] != container else { return (false, state.revision) }
            state.containers[id] = container
            state.revision += 1
            return (true, state.revision)
        }
        if changed { signal.yield() }
        return revision
    }
}

/// A container running on this node, as policy sees it: its address and its service.
struct LocalContainer: Sendable, Hashable {
    var ip: IPv4Address
    var service: String?
}
