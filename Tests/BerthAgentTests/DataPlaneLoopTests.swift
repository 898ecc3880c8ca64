@testable import BerthAgent
import BerthCore
import BerthHarness
import BerthNetwork
import Logging
import Synchronization
import Testing

/// The node network's follow loop with a fake node feed, a fake kernel and a manual clock: a
/// lost watch lists again after the backoff, and a change the kernel refuses is logged and
/// programmed again (a full sync) after the backoff, never before.
@Suite struct DataPlaneLoopTests {
    /// The server's node list and its change feed: scripted answers, then long-polls that end
    /// empty when `wait` of the clock has passed.
    final class FakeFeed: NodeFeed {
        enum Answer: Sendable {
            case lost
            case added(PeerSelection.NodeView)
        }

        struct State {
            var nodes: [PeerSelection.NodeView]
            var index: UInt64 = 1
            var script: [Answer] = []
            var lists = 0
        }

        let state: Mutex<State>
        let clock: ManualClock

        init(_ nodes: [PeerSelection.NodeView], clock: ManualClock) {
            state = Mutex(State(nodes: nodes))
            self.clock = clock
        }

        func nodes() async throws -> (nodes: [PeerSelection.NodeView], index: UInt64) {
            state.withLock { state in
                state.lists += 1
                return (state.nodes, state.index)
            }
        }

        func changes(after: UInt64, wait: Duration) async throws -> ClusterView.Changes? {
            let answer = state.withLock { state -> Answer? in state.script.isEmpty ? nil : state.script.removeFirst() }
            switch answer {
            case .lost?:
                throw DriverError("the connection to the server was lost")
            case .added(let node)?:
                return state.withLock { state in
                    state.nodes.append(node)
                    state.index += 1
                    return ClusterView.Changes(nodes: [node], next: state.index)
                }
            case nil:
                try await clock.sleep(for: wait)
                return ClusterView.Changes(next: after)
            }
        }

        var lists: Int { state.withLock { $0.lists } }
    }

    /// A kernel that refuses the next `failures` programmings; records each as "full N" or
    /// "change N" (N peers) and whether it was taken.
    final class FakeNetwork: PeerNetwork {
        struct State {
            var peers: [PeerNode] = []
            var backend: Backend
            var failures = 0
            var calls: [String] = []
        }

        let config: NodeNetworkConfig
        let state: Mutex<State>

        init() throws {
            let backend = try Backend(name: "host-gw")
            config = NodeNetworkConfig(name: "n1", namespace: nil, underlayAddress: IPv4Address("192.0.2.1")!, subnet: CIDR("10.88.1.0/24")!,
                                       clusterCIDRs: [CIDR("10.88.0.0/16")!], backend: backend)
            state = Mutex(State(backend: backend))
        }

        var peers: [PeerNode] { state.withLock { $0.peers } }
        var backend: Backend { state.withLock { $0.backend } }
        func setBackend(_ backend: Backend) { state.withLock { $0.backend = backend } }
        func setPeers(_ peers: [PeerNode]) { state.withLock { $0.peers = peers } }

        func fullSync() async throws -> Int { try program("full", state.withLock { $0.peers }) }

        func changePeers(_ peers: [PeerNode]) async throws -> Int {
            // As HostNetwork's: the new list is kept either way.
            state.withLock { $0.peers = peers }
            return try program("change", peers)
        }

        private func program(_ kind: String, _ peers: [PeerNode]) throws -> Int {
            try state.withLock { state in
                let refused = state.failures > 0
                state.calls.append("\(kind) \(peers.count)\(refused ? " refused" : "")")
                if refused {
                    state.failures -= 1
                    throw DriverError("RTNETLINK answers: File exists")
                }
                return peers.count
            }
        }

        var calls: [String] { state.withLock { $0.calls } }
    }

    static func node(_ name: String, _ third: Int) -> PeerSelection.NodeView {
        PeerSelection.NodeView(name: name, address: "192.0.2.\(third)", subnet: "10.88.\(third).0/24", status: .ready, vtepMAC: nil)
    }

    struct Harness {
        let clock = ManualClock()
        let log = CapturedLog()
        let feed: FakeFeed
        let network: FakeNetwork
        let loop: Task<Void, Never>

        /// Started with the nodes n1 (this one) and n2; once it follows, the feed answers
        /// `script` first and the kernel refuses the next `failures` programmings.
        init(script: [FakeFeed.Answer] = [], failures: Int = 0) async throws {
            feed = FakeFeed([DataPlaneLoopTests.node("n1", 1), DataPlaneLoopTests.node("n2", 2)], clock: clock)
            network = try FakeNetwork()
            let plane = DataPlane(network: network, view: feed, resync: .seconds(10), clock: clock, logger: log.logger)
            let index = try await plane.start()
            feed.state.withLock { $0.script = script }
            network.state.withLock { $0.failures = failures }
            loop = Task { await plane.run(from: index) }
        }

        /// The loop is parked in a long-poll (or a backoff) on the clock.
        func parked() async throws {
            try await eventually("the loop waits on the clock") { clock.sleeping == 1 }
        }

        func stop() async {
            loop.cancel()
            await loop.value
        }
    }

    @Test func aLostWatchListsAgainAfterTheBackoff() async throws {
        let h = try await Harness()
        try await h.parked()  // listed once more, then following
        #expect(h.feed.lists == 2 && h.network.calls == ["full 1"])
        h.feed.state.withLock { $0.script = [.lost] }
        h.clock.advance(by: .seconds(10))  // the long-poll ends; the next one is lost
        try await eventually("the loss is logged") { h.log.lines(at: .warning).contains("cannot sync the node network; retrying") }
        try await h.parked()
        h.clock.advance(by: .milliseconds(199))
        #expect(h.feed.lists == 2, "not listed again before the backoff's 200 ms")
        h.clock.advance(by: .milliseconds(1))
        try await eventually("listed again") { h.feed.lists == 3 }
        try await h.parked()
        await h.stop()
    }

    @Test func aRefusedChangeIsProgrammedAgainAfterTheBackoff() async throws {
        // A node joins; the kernel refuses the fast path and the full sync after it.
        let h = try await Harness(script: [.added(DataPlaneLoopTests.node("n3", 3))], failures: 2)
        try await eventually("the refusal is logged") { h.log.lines(at: .warning).contains("cannot sync the node network; retrying") }
        try await h.parked()
        #expect(h.network.calls == ["full 1", "change 2 refused", "full 2 refused"])
        h.clock.advance(by: .milliseconds(199))
        #expect(h.network.calls.count == 3, "not tried again before the backoff's 200 ms")
        h.clock.advance(by: .milliseconds(1))
        try await eventually("programmed again") { h.network.calls.count == 4 }
        #expect(h.network.calls.last == "full 2", "a full sync, although the plan already held n3")
        #expect(h.network.peers.map(\.name) == ["n2", "n3"])
        try await h.parked()
        await h.stop()
    }
}
