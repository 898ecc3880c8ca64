import BerthNetwork

/// What `DataPlane` needs of the node network: the kernel's (`NodeNetwork`), or a test's fake.
protocol PeerNetwork: Sendable {
    var config: NodeNetworkConfig { get }
    /// The peers the plan holds now.
    var peers: [PeerNode] { get }
    var backend: Backend { get }
    func setBackend(_ backend: Backend)
    func setPeers(_ peers: [PeerNode])
    /// Observes the kernel and programs the whole plan; returns how many actions it took.
    func fullSync() async throws -> Int
    /// Programs the change to `peers` alone (nothing observed); returns how many actions.
    func changePeers(_ peers: [PeerNode]) async throws -> Int
}

/// Where `DataPlane` reads the nodes: the server (`ClusterView`), or a test's fake.
protocol NodeFeed: Sendable {
    func nodes() async throws -> (nodes: [PeerSelection.NodeView], index: UInt64)
    func changes(after: UInt64, wait: Duration) async throws -> ClusterView.Changes?
}

extension ClusterView: NodeFeed {}

extension NodeNetwork: PeerNetwork {
    var peers: [PeerNode] { host.desired.peers }
    var backend: Backend { host.desired.node.backend }
    func setBackend(_ backend: Backend) { host.setBackend(backend) }
    func fullSync() async throws -> Int { try await sync().actions.count }
    func changePeers(_ peers: [PeerNode]) async throws -> Int { try await updatePeers(peers).actions.count }
}
