import BerthCore
import BerthDNSWire
import BerthStore

/// The keys a batch of commits changed, by the kinds the zone follows.
public struct DNSChangeSet: Sendable, Hashable {
    public var services: Set<String> = []
    public var targets: Set<String> = []
    public var containers: Set<String> = []
    public var nodes: Set<String> = []

    public init() {}

    public var count: Int { services.count + targets.count + containers.count + nodes.count }
    public var isEmpty: Bool { count == 0 }

    /// Adds a commit's keys, keeping only the kinds the zone answers from.
    public mutating func insert(_ keys: some Sequence<ObjectKey>) {
        for key in keys {
            switch key.kind {
            case .service: services.insert(key.name)
            case .target: targets.insert(key.name)
            case .container: containers.insert(key.name)
            case .node: nodes.insert(key.name)
            case .network, .lease, .job: break
            }
        }
    }

    public mutating func formUnion(_ other: DNSChangeSet) {
        services.formUnion(other.services)
        targets.formUnion(other.targets)
        containers.formUnion(other.containers)
        nodes.formUnion(other.nodes)
    }
}

/// The objects a change set names, as they are now: nil (or no targets) for one that is gone.
public struct DNSZoneDelta: Sendable {
    public var services: [String: DNSZoneState.Service?] = [:]
    public var targets: [String: [DNSZoneState.Target]] = [:]
    public var containers: [String: DNSZoneState.Container?] = [:]
    public var nodes: [String: DNSZoneState.Node?] = [:]
    public var index: UInt64 = 0

    public init() {}
}

/// Reads what the zone needs through the store's `StoreReader` (no SQL here): everything once
/// at start, then the objects each batch of commits changed, by key, in one snapshot. The
/// reads block the calling thread (`Store.readNow`): the zone updater has a thread of its own.
public struct DNSZoneLoader: Sendable {
    let store: Store

    public init(store: Store) { self.store = store }

    /// The whole state, in one consistent read.
    public func loadAll() throws -> DNSZoneState {
        let snapshot = try store.readNow { reader in
            var state = DNSZoneState()
            for service in try reader.services(after: nil, limit: Int.max) {
                state.set(service: service.name, DNSZoneState.Service(service))
            }
            for (service, targets) in try reader.allTargets() {
                state.set(targets: service, Self.convert(targets))
            }
            for container in try reader.containerAddresses() {
                if let converted = Self.convert(container) { state.set(container: container.id, converted) }
            }
            for node in try reader.nodes(after: nil, limit: Int.max) {
                state.set(node: node.name, Self.convert(node))
            }
            return state
        }
        var state = snapshot.value
        state.index = snapshot.index
        return state
    }

    /// The changed objects, as they are now.
    public func reload(_ changes: DNSChangeSet) throws -> DNSZoneDelta {
        let snapshot = try store.readNow { reader in
            var delta = DNSZoneDelta()
            // `.some(nil)`: a dictionary of optionals drops a key assigned plain nil, and a
            // removal must stay in the delta.
            for name in changes.services {
                delta.services[name] = .some(try reader.service(name).map(DNSZoneState.Service.init))
            }
            for name in changes.targets {
                do {
                    delta.targets[name] = Self.convert(try reader.targets(service: name).targets)
                } catch BerthError.notFound {
                    delta.targets[name] = []
                }
            }
            var containers: [String: DNSZoneState.Container?] = Dictionary(uniqueKeysWithValues: changes.containers.map { ($0, nil) })
            for container in try reader.containerAddresses(ids: changes.containers) {
                containers[container.id] = .some(Self.convert(container))
            }
            delta.containers = containers
            for name in changes.nodes {
                delta.nodes[name] = .some(try reader.node(name).map(Self.convert))
            }
            return delta
        }
        var delta = snapshot.value
        delta.index = snapshot.index
        return delta
    }

    static func convert(_ targets: [ServiceTargets.Target]) -> [DNSZoneState.Target] {
        targets.compactMap { target in
            target.ip.flatMap(DNSIPv4Address.init(text:)).map { DNSZoneState.Target(container: target.container, ip: $0, port: target.port) }
        }
    }

    /// A container without an address has no A record: the zone treats it as absent.
    static func convert(_ container: ContainerAddress) -> DNSZoneState.Container? {
        container.ip.flatMap(DNSIPv4Address.init(text:)).map { DNSZoneState.Container(id: container.id, name: container.name, ip: $0) }
    }

    static func convert(_ node: Node) -> DNSZoneState.Node {
        DNSZoneState.Node(name: node.name, address: DNSIPv4Address(text: node.address))
    }
}
