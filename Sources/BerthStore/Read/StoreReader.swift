import BerthCore
import GRDB

/// One consistent read of the cluster state, in store-level types: what the API asks of the
/// store, with no SQL and no GRDB in sight. This is the seam a second storage backend fills.
///
/// Lists take a cursor and a limit and return items in their sort order (see `Store.list`).
public struct StoreReader {
    let db: Database

    init(_ db: Database) { self.db = db }

    /// The change index this read reflects.
    public func index() throws -> UInt64 { try ChangeLog.current(db) }

    // MARK: Nodes

    public func node(_ name: String) throws -> Node? { try NodeRepository.fetch(db, name) }

    /// Nodes by name.
    public func nodes(after cursor: ListCursor?, limit: Int) throws -> [Node] {
        try NodeRepository.list(db, after: cursor?.key, limit: limit)
    }

    public static func cursor(_ node: Node) -> ListCursor { ListCursor([node.name]) }

    // MARK: Services

    public func service(_ name: String) throws -> Service? { try ServiceRepository.fetch(db, name) }

    /// Services by name.
    public func services(after cursor: ListCursor?, limit: Int) throws -> [Service] {
        try ServiceRepository.list(db, after: cursor?.key, limit: limit)
    }

    public static func cursor(_ service: Service) -> ListCursor { ListCursor([service.name]) }

    /// A service's load-balancer targets; `notFound` when there is no such service.
    public func targets(service: String) throws -> ServiceTargets { try TargetRepository.fetch(db, service: service) }

    /// Every service's targets, by service name: what a node's data plane programs its VIPs from.
    public func targets(after cursor: ListCursor?, limit: Int) throws -> [ServiceTargets] {
        try ServiceRepository.list(db, after: cursor?.key, limit: limit).map { service in
            try TargetRepository.targets(db, of: service)
        }
    }

    public static func cursor(_ targets: ServiceTargets) -> ListCursor { ListCursor([targets.service]) }

    // MARK: Jobs

    public func job(_ name: String) throws -> Job? { try JobRepository.fetch(db, name) }

    /// Jobs by name; with `parent`, only the runs of that periodic job.
    public func jobs(after cursor: ListCursor?, limit: Int, parent: String? = nil) throws -> [Job] {
        if let parent { return try JobRepository.runs(db, parent: parent, after: cursor?.key, limit: limit) }
        return try JobRepository.list(db, after: cursor?.key, limit: limit)
    }

    public static func cursor(_ job: Job) -> ListCursor { ListCursor([job.name]) }

    // MARK: Containers

    /// A container's API JSON (see `ContainerJSON`), or nil.
    public func containerDocument(_ id: String) throws -> ContainerDocument? {
        try ContainerRepository.documents(db, ContainerFilter(id: id), after: nil, limit: 1).first
    }

    /// Containers matching `filter`, oldest first, as their API JSON.
    public func containerDocuments(_ filter: ContainerFilter, after cursor: ListCursor?, limit: Int) throws -> [ContainerDocument] {
        try ContainerRepository.documents(db, filter, after: cursor, limit: limit)
    }

    /// The node a container is on: nil when there is no such container, `.some(nil)` when it is
    /// not placed.
    public func node(ofContainer id: String) throws -> String?? {
        try ContainerRepository.node(db, id)
    }

    /// How many containers wait for a node.
    public func pendingContainers() throws -> Int { try ContainerRepository.countPending(db) }

    // MARK: Networks and leases

    public func network(_ name: String) throws -> Network? { try NetworkRepository.fetch(db, name) }

    /// Networks by name.
    public func networks(after cursor: ListCursor?, limit: Int) throws -> [Network] {
        try NetworkRepository.list(db, after: cursor?.key, limit: limit)
    }

    public static func cursor(_ network: Network) -> ListCursor { ListCursor([network.name]) }

    /// Leases by network, then age, then address.
    public func leases(_ filter: LeaseFilter, after cursor: ListCursor?, limit: Int) throws -> [Lease] {
        try LeaseRepository.list(db, filter, after: cursor, limit: limit)
    }

    public static func cursor(_ lease: Lease) -> ListCursor { ListCursor([lease.network, String(lease.createIndex), lease.ip]) }

    // MARK: Events and tokens

    /// A page of the change feed (see `ChangeLog.page`).
    public func events(after: UInt64, limit: Int, kinds: Set<ObjectKind>?, node: String?) throws -> ChangeLog.Page {
        try ChangeLog.page(db, after: after, limit: limit, kinds: kinds, node: node)
    }

    /// Tokens by age.
    public func tokens(after cursor: ListCursor?, limit: Int) throws -> [Token] {
        try TokenRepository.list(db, after: cursor, limit: limit)
    }

    public static func cursor(_ token: Token) -> ListCursor {
        ListCursor([String(token.createdAt.timeIntervalSince1970.bitPattern), token.id])
    }

    /// The live token whose secret hashes to `hash`.
    public func token(hash: String) throws -> Token? { try TokenRepository.identify(db, hash: hash) }
}

/// A container as the API shows it, rendered once, with its place in the list order.
public struct ContainerDocument: Sendable, Hashable {
    public var id: String
    public var createIndex: UInt64
    public var json: String

    public var cursor: ListCursor { ListCursor([String(createIndex), id]) }
}

/// What a container listing keeps; every filter given must match.
public struct ContainerFilter: Sendable, Hashable {
    public var id: String?
    public var service: String?
    public var node: String?
    public var state: ContainerState?
    public var job: String?

    public init(id: String? = nil, service: String? = nil, node: String? = nil, state: ContainerState? = nil, job: String? = nil) {
        self.id = id
        self.job = job
        self.service = service
        self.node = node
        self.state = state
    }
}

/// What a lease listing keeps; every filter given must match.
public struct LeaseFilter: Sendable, Hashable {
    public var network: String?
    public var node: String?
    public var owner: String?

    public init(network: String? = nil, node: String? = nil, owner: String? = nil) {
        self.network = network
        self.node = node
        self.owner = owner
    }
}

extension Store {
    /// Runs a read on one consistent snapshot, in store-level types, and returns it with the
    /// change index it reflects.
    public func read<T: Sendable>(_ body: @escaping @Sendable (StoreReader) throws -> T) async throws -> Snapshot<T> {
        try await readDatabase { db in try body(StoreReader(db)) }
    }
}

extension StoreReader {
    // MARK: Discovery

    /// The services named (all when nil; unknown names skipped), their running replicas,
    /// healthy or not, and the nodes those run on (every node when `services` is nil): what
    /// the Consul-compatible catalog answers from.
    public func discoveryCatalog(services: [String]?) throws -> DiscoveryCatalog {
        try DiscoveryRepository.catalog(db, services: services)
    }

    /// The stored load-balancing targets of the services named (all when nil; unknown names
    /// skipped), with each service: what Prometheus service discovery answers from.
    public func discoveryTargets(services: [String]?) throws -> [(service: Service, targets: [ServiceTargets.Target])] {
        try DiscoveryRepository.targets(db, services: services)
    }
}

extension Store {
    /// `read(_:)` on the calling thread, which it blocks until the snapshot is read: for a
    /// dedicated thread that must not wait its turn on the shared task pool (the DNS zone
    /// updater). Never call it from async code.
    public func readNow<T: Sendable>(_ body: (StoreReader) throws -> T) throws -> Snapshot<T> {
        do {
            return try pool.read { db in Snapshot(value: try body(StoreReader(db)), index: try ChangeLog.current(db)) }
        } catch {
            throw StoreErrors.map(error)
        }
    }
}
