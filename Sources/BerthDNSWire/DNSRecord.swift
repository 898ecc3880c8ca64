/// One resource record (RFC 1035 4.1.3). Its type follows from `data`.
public struct DNSRecord: Hashable, Sendable {
    public var name: DNSName
    public var dnsClass: DNSClass
    /// Seconds; kept as sent (RFC 2181 8 says readers treat values over 2^31-1 as 0).
    public var ttl: UInt32
    public var data: DNSRData

    public init(name: DNSName, dnsClass: DNSClass = .internet, ttl: UInt32, data: DNSRData) {
        self.name = name
        self.dnsClass = dnsClass
        self.ttl = ttl
        self.data = data
    }

    public var type: DNSType { data.type }
}
