import BerthCore
import BerthDNSWire

/// The zone as a pure function: a name (and a question) in, with a `DNSZoneState`, records (an
/// answer) out. No I/O, no clock, no caching: `DNSAnswerTable` keeps the encoded results, and
/// the tests call this directly.
///
/// Names, below the apex `D` (`--dns-domain`, "berth." by default):
///
/// | Name | Records |
/// | --- | --- |
/// | `D` | SOA, NS `ns.D` |
/// | `ns.D` | A (the server's address, when known) |
/// | `<service>.service.D` | A: the VIP, or for `dnsrr` the healthy targets' IPs (rotated); SRV: every healthy target |
/// | `_<port>._tcp.<service>.service.D` | SRV: the healthy targets on that named port (`_udp` for UDP ports) |
/// | `<container id or name>.container.D` | A: its IP |
/// | `<node>.node.D` | A: its address |
///
/// `service.D`, `container.D`, `node.D` and `_tcp.<service>.service.D` exist without records
/// (NODATA, not NXDOMAIN). SRV records have priority 1 and weight 1 (as Consul's) and point
/// at `<container id>.container.D`, whose A records come in the additional section.
public struct DNSZone: Sendable {
    public let config: DNSZoneConfig

    public init(config: DNSZoneConfig) { self.config = config }

    /// What a name in the zone refers to.
    public enum Location: Sendable, Hashable {
        case apex
        case nameserver
        /// `service.D`, `container.D`, `node.D`: names with children and no records.
        case subtree
        case service(String)
        /// `_tcp.<service>.service.D`: exists when the service has a named port of that protocol.
        case serviceProtocol(service: String, PortProtocol)
        case servicePort(service: String, port: String, PortProtocol)
        /// A container id or name.
        case container(String)
        case node(String)
        /// Inside the zone, but no name Berth makes: NXDOMAIN.
        case unknown
    }

    /// Where `name` points; nil when it is outside the zone (REFUSED). Case-insensitive.
    public func locate(_ name: DNSName) -> Location? {
        guard name.isSubdomain(of: config.domain) else { return nil }
        let all = name.lowercased().labels
        let labels = all.prefix(all.count - config.domainLabelCount).map { String(decoding: $0, as: UTF8.self) }
        guard let kind = labels.last else { return .apex }
        switch (labels.count, kind) {
        case (1, "ns"): return .nameserver
        case (1, "service"), (1, "container"), (1, "node"): return .subtree
        case (2, "service"): return .service(labels[0])
        case (2, "container"): return .container(labels[0])
        case (2, "node"): return .node(labels[0])
        case (3, "service"):
            guard let proto = Self.protocolLabel(labels[0]) else { return Location.unknown }
            return .serviceProtocol(service: labels[1], proto)
        case (4, "service"):
            guard labels[0].hasPrefix("_"), labels[0].count > 1, let proto = Self.protocolLabel(labels[1]) else { return Location.unknown }
            return .servicePort(service: labels[2], port: String(labels[0].dropFirst()), proto)
        default: return Location.unknown
        }
    }

    private static func protocolLabel(_ label: String) -> PortProtocol? {
        switch label {
        case "_tcp": .tcp
        case "_udp": .udp
        default: nil
        }
    }

    /// The records at `name`: nil when no such name exists (NXDOMAIN) or it is outside the zone;
    /// an empty value for a name that exists with none of its own.
    public func records(at name: DNSName, in state: DNSZoneState) -> DNSNameRecords? {
        guard let location = locate(name) else { return nil }
        let owner = name.lowercased()
        var records = DNSNameRecords()
        switch location {
        case .apex:
            records.add(.soa, [config.soa(serial: UInt32(truncatingIfNeeded: state.index))])
            records.add(.ns, [DNSRecord(name: owner, ttl: config.ttl, data: .ns(config.nameserver))], additional: nameserverA())
        case .nameserver:
            records.add(.a, nameserverA())
        case .subtree:
            break
        case .service(let name):
            guard let service = state.services[name] else { return nil }
            let targets = state.targets[name] ?? []
            if service.endpointMode == .dnsrr {
                var seen = Set<DNSIPv4Address>()
                let ips = targets.map(\.ip).filter { seen.insert($0).inserted }
                records.add(.a, ips.map { a(owner, $0) })
                records.rotatesA = ips.count > 1
            } else if let vip = service.vip {
                records.add(.a, [a(owner, vip)])
            }
            addSRV(&records, owner, targets)
        case .serviceProtocol(let name, let proto):
            guard let service = state.services[name], service.namedPorts.contains(where: { $0.protocol == proto }) else { return nil }
        case .servicePort(let name, let portName, let proto):
            guard let service = state.services[name],
                  let port = service.namedPorts.first(where: { $0.name == portName && $0.protocol == proto }) else { return nil }
            addSRV(&records, owner, (state.targets[name] ?? []).filter { $0.port == port.port })
        case .container(let label):
            guard let container = state.containers[label] ?? state.containerNames[label].flatMap({ state.containers[$0] }) else { return nil }
            records.add(.a, [a(owner, container.ip)])
        case .node(let name):
            guard let node = state.nodes[name] else { return nil }
            if let address = node.address { records.add(.a, [a(owner, address)]) }
        case .unknown:
            return nil
        }
        return records
    }

    /// The whole answer to `question`: REFUSED outside the zone or for a class other than IN,
    /// NXDOMAIN (SOA in authority) for a name that does not exist, NODATA (NOERROR, SOA in
    /// authority) for another type at a name that does, and RFC 8482's HINFO for ANY.
    public func answer(to question: DNSQuestion, in state: DNSZoneState) -> DNSZoneAnswer {
        guard question.dnsClass == .internet || question.dnsClass == .any, locate(question.name) != nil else {
            return DNSZoneAnswer(rcode: .refused)
        }
        let soa = config.soa(serial: UInt32(truncatingIfNeeded: state.index))
        guard let records = records(at: question.name, in: state) else {
            return DNSZoneAnswer(rcode: .nameError, authority: [soa])
        }
        if question.type == .any { return DNSZoneAnswer(rcode: .noError, answers: [anyAnswer(question.name)]) }
        guard let set = records.sets[question.type] else { return DNSZoneAnswer(rcode: .noError, authority: [soa]) }
        return DNSZoneAnswer(rcode: .noError, answers: set.answers, additional: set.additional)
    }

    /// The one record RFC 8482 lets a server give for ANY: HINFO "RFC8482" "".
    public func anyAnswer(_ name: DNSName) -> DNSRecord {
        DNSRecord(name: name, ttl: config.ttl, data: .unknown(DNSType(13), [7] + Array("RFC8482".utf8) + [0]))
    }

    // MARK: The names each object owns

    /// Every name a service makes: its own, `_tcp`/`_udp` below it, one per named port. What
    /// to recompute when the service or its targets change.
    public func names(ofService service: DNSZoneState.Service) -> [DNSName] {
        guard let base = try? DNSZoneConfig.child(service.name, of: config.serviceSuffix) else { return [] }
        var names = [base]
        for proto in Set(service.namedPorts.map(\.protocol)).sorted(by: { $0.rawValue < $1.rawValue }) {
            guard let protoName = try? DNSZoneConfig.child("_" + proto.rawValue, of: base) else { continue }
            names.append(protoName)
            for port in service.namedPorts where port.protocol == proto {
                if let portName = try? DNSZoneConfig.child("_" + port.name, of: protoName) { names.append(portName) }
            }
        }
        return names
    }

    /// `<label>.container.D` for a container id or name.
    public func name(ofContainer label: String) -> DNSName? { try? DNSZoneConfig.child(label, of: config.containerSuffix) }

    public func name(ofNode node: String) -> DNSName? { try? DNSZoneConfig.child(node, of: config.nodeSuffix) }

    /// Every name `state` gives rise to (the fixed ones included).
    public func names(in state: DNSZoneState) -> Set<DNSName> {
        var names = Set(fixedNames)
        names.reserveCapacity(state.services.count * 3 + state.containers.count + state.containerNames.count + state.nodes.count)
        for service in state.services.values { names.formUnion(self.names(ofService: service)) }
        for container in state.containers.values {
            if let name = name(ofContainer: container.id) { names.insert(name) }
            if let label = container.name, let name = name(ofContainer: label) { names.insert(name) }
        }
        for node in state.nodes.keys { if let name = name(ofNode: node) { names.insert(name) } }
        return names
    }

    /// The encoded answers of `names` in `state`: nil for a name that no longer exists.
    public func encode(_ names: some Collection<DNSName>, in state: DNSZoneState) -> [(DNSName, DNSNameAnswers?)] {
        names.map { name in (name, records(at: name, in: state).map { DNSNameAnswers(name: name, records: $0) }) }
    }

    /// The names that exist whatever the cluster holds.
    public var fixedNames: [DNSName] {
        [config.domain, config.nameserver, config.serviceSuffix, config.containerSuffix, config.nodeSuffix]
    }

    // MARK: Records

    private func a(_ owner: DNSName, _ ip: DNSIPv4Address) -> DNSRecord {
        DNSRecord(name: owner, ttl: config.ttl, data: .a(ip))
    }

    private func nameserverA() -> [DNSRecord] {
        config.nameserverAddress.map { [a(config.nameserver, $0)] } ?? []
    }

    /// One SRV record per target, and one A record per distinct target container.
    private func addSRV(_ records: inout DNSNameRecords, _ owner: DNSName, _ targets: [DNSZoneState.Target]) {
        var answers: [DNSRecord] = []
        var additional: [DNSRecord] = []
        var seen = Set<String>()
        for target in targets {
            guard let host = name(ofContainer: target.container), (1...65535).contains(target.port) else { continue }
            answers.append(DNSRecord(name: owner, ttl: config.ttl, data: .srv(DNSSRV(priority: 1, weight: 1, port: UInt16(target.port), target: host))))
            if seen.insert(target.container).inserted { additional.append(a(host, target.ip)) }
        }
        records.add(.srv, answers, additional: additional)
    }
}
