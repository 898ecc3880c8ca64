import BerthDNSWire

/// What the zone is called and how long its answers may be cached: `berth serve`'s `--dns-domain`
/// and `--dns-ttl`, with the fixed names derived from them once.
public struct DNSZoneConfig: Sendable, Hashable {
    /// The apex, lowercased: "berth.".
    public let domain: DNSName
    /// Every record's TTL, and the SOA minimum (how long resolvers cache a negative answer).
    public let ttl: UInt32
    /// The address `ns.<domain>` answers with (the server's own, when it listens on one), or nil.
    public let nameserverAddress: DNSIPv4Address?

    /// `service.<domain>`, `container.<domain>`, `node.<domain>`: the three subtrees.
    public let serviceSuffix: DNSName
    public let containerSuffix: DNSName
    public let nodeSuffix: DNSName
    /// `ns.<domain>`, the zone's one nameserver, and `hostmaster.<domain>`, the SOA mailbox.
    public let nameserver: DNSName
    public let mailbox: DNSName
    /// Labels in `domain`, so a name's labels below it are found by counting.
    public let domainLabelCount: Int

    /// `domain` as text ("berth", "berth." or "cluster.example"); throws if it is not a name.
    public init(domain text: String, ttl: UInt32 = 5, nameserverAddress: DNSIPv4Address? = nil) throws(DNSWireError) {
        let domain = try DNSName(text).lowercased()
        guard !domain.isRoot else { throw .emptyLabel }
        self.domain = domain
        self.ttl = ttl
        self.nameserverAddress = nameserverAddress
        serviceSuffix = try Self.child("service", of: domain)
        containerSuffix = try Self.child("container", of: domain)
        nodeSuffix = try Self.child("node", of: domain)
        nameserver = try Self.child("ns", of: domain)
        mailbox = try Self.child("hostmaster", of: domain)
        domainLabelCount = domain.labelCount
    }

    /// `label.parent`, for labels the zone makes from names the API has already checked.
    static func child(_ label: some StringProtocol, of parent: DNSName) throws(DNSWireError) -> DNSName {
        try DNSName(labels: [Array(label.utf8)]).appending(parent)
    }

    /// The zone's SOA record, with `serial` (the change index the zone reflects, modulo 2^32).
    public func soa(serial: UInt32) -> DNSRecord {
        DNSRecord(name: domain, ttl: ttl, data: .soa(DNSSOA(
            primary: nameserver, mailbox: mailbox, serial: serial,
            refresh: 3600, retry: 600, expire: 86_400, minimum: ttl
        )))
    }
}
