/// An IPv4 network in CIDR notation, the unit IPAM leases out.
///
/// A cluster network (`10.88.0.0/16`) is carved into per-node subnets of `nodePrefix` bits
/// (flannel-style); a node subnet yields container addresses; the service network yields VIPs.
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    public let network: IPv4Address
    public let prefix: Int

    @inlinable
    public init?(_ text: some StringProtocol) {
        // Bytes, not Characters: finding "/" by Character runs grapheme breaking on every one.
        guard let slash = text.utf8.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        let bits = text[text.utf8.index(after: slash)...]
        guard let address = IPv4Address(text[..<slash]), (1...2).contains(bits.utf8.count),
              bits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              let prefix = Int(bits), (0...32).contains(prefix)
        else { return nil }
        guard address.value & ~CIDR.mask(prefix) == 0 else { return nil }
        self.network = address
        self.prefix = prefix
    }

    public init(network: IPv4Address, prefix: Int) {
        self.network = IPv4Address(network.value & CIDR.mask(prefix))
        self.prefix = prefix
    }

    @usableFromInline
    static func mask(_ prefix: Int) -> UInt32 {
        prefix == 0 ? 0 : UInt32.max << UInt32(32 - prefix)
    }

    /// How many addresses the network spans, network and broadcast included.
    public var size: UInt64 { UInt64(1) << UInt64(32 - prefix) }

    public var description: String { "\(network)/\(prefix)" }

    public func contains(_ address: IPv4Address) -> Bool {
        address.value & CIDR.mask(prefix) == network.value
    }

    public func overlaps(_ other: CIDR) -> Bool {
        contains(other.network) || other.contains(network)
    }

    /// The `index`-th subnet of `subnetPrefix` bits inside this network, if there is one.
    public func subnet(_ index: Int, prefix subnetPrefix: Int) -> CIDR? {
        guard subnetPrefix >= prefix, subnetPrefix <= 32, index >= 0,
              UInt64(index) < (UInt64(1) << UInt64(subnetPrefix - prefix))
        else { return nil }
        let base = UInt64(network.value) + UInt64(index) * (UInt64(1) << UInt64(32 - subnetPrefix))
        return CIDR(network: IPv4Address(UInt32(base)), prefix: subnetPrefix)
    }

    /// The number of `subnetPrefix`-bit subnets this network holds.
    public func subnetCount(prefix subnetPrefix: Int) -> Int {
        subnetPrefix < prefix ? 0 : 1 << (subnetPrefix - prefix)
    }

    /// The addresses a lease may take: all but the network and broadcast addresses (for
    /// prefixes up to /30), and, where `reserveGateway`, the first host, kept for the node's bridge.
    public func assignableHosts(reserveGateway: Bool) -> ClosedRange<UInt32>? {
        if prefix >= 31 { return network.value...(network.value + UInt32(size - 1)) }
        let first = network.value + (reserveGateway ? 2 : 1)
        let last = network.value + UInt32(size - 2)
        return first <= last ? first...last : nil
    }

    /// The lowest assignable address not in `used`, or nil when the network is exhausted.
    public func firstFree(excluding used: Set<UInt32>, reserveGateway: Bool) -> IPv4Address? {
        guard let hosts = assignableHosts(reserveGateway: reserveGateway) else { return nil }
        var candidate = hosts.lowerBound
        while true {
            if !used.contains(candidate) { return IPv4Address(candidate) }
            if candidate == hosts.upperBound { return nil }
            candidate += 1
        }
    }
}
