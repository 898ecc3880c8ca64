import Foundation
import Synchronization
import Testing

/// `@Suite(.heavy)`: each of the suite's test cases (or a single `@Test(.heavy)`) first takes one
/// of a few machine-wide places, so at most that many tests that start servers, agents, network
/// labs or other processes run at once.
///
/// Swift Testing runs every test of every target in parallel in one process. On a 2-core CI
/// machine, the end-to-end, lab and live-server tests started together took turns at the CPU
/// for minutes, and condition waits sized for an idle machine ran out (a poll release seen in
/// 0.2 s alone timed out at 5 s after 86 s of such a run). Light tests (planners, codecs,
/// in-memory stores) do not take a place and keep running beside the heavy ones.
///
/// The number of places is `BERTH_TEST_HEAVY` (default 3: a lab test mostly waits on the
/// kernel and on child processes, so a little more than the core count keeps both cores busy
/// without starving anyone). A test case holds its place for its whole run, setup and teardown
/// included.
public struct HeavyTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    /// Only test cases take a place: a suite or a parameterised test holding one while its
    /// cases wait for theirs would deadlock the gate.
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> HeavyTrait? {
        testCase == nil ? nil : self
    }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        await HeavyGate.shared.acquire()
        defer { HeavyGate.shared.release() }
        try await function()
    }
}

extension Trait where Self == HeavyTrait {
    /// See `HeavyTrait`.
    public static var heavy: Self { HeavyTrait() }
}

/// A counting semaphore for `HeavyTrait`: waiters are served in arrival order.
final class HeavyGate: Sendable {
    static let shared = HeavyGate(places: ProcessInfo.processInfo.environment["BERTH_TEST_HEAVY"].flatMap(Int.init).map { max(1, $0) } ?? 3)

    private struct State {
        var free: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    init(places: Int) { state = Mutex(State(free: places)) }

    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.free > 0 {
                    state.free -= 1
                    return true
                }
                state.waiting.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiting.isEmpty {
                state.free += 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
