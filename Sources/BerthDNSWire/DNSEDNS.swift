/// EDNS0 (RFC 6891): what a message's OPT pseudo-record says.
///
/// OPT is not modelled as a record: its CLASS and TTL fields mean other things (payload size,
/// extended RCODE, version, flags), it may appear once and only in the additional section, and it
/// must survive truncation. As an optional property of `DNSMessage` it cannot be put in the
/// wrong place or twice; the encoder always writes it last.
public struct DNSEDNS: Hashable, Sendable {
    /// The largest UDP payload the sender can take back (the OPT record's CLASS field).
    public var udpPayloadSize: UInt16
    /// The high 8 bits of a 12-bit RCODE.
    public var extendedRCode: UInt8
    /// EDNS version; only 0 exists. A server answers a higher one with BADVERS.
    public var version: UInt8
    /// The 16 flag bits; only DO (0x8000) is defined, the rest are kept as they came.
    public var flags: UInt16
    /// The options' wire form (code, length, value triples), already checked to parse.
    public private(set) var optionBytes: [UInt8]

    /// One EDNS option, e.g. COOKIE (10) or padding (12), kept as raw bytes.
    public struct Option: Hashable, Sendable {
        public var code: UInt16
        public var data: [UInt8]
        public init(code: UInt16, data: [UInt8]) {
            self.code = code
            self.data = data
        }
    }

    /// The UDP payload size Berth advertises and the most it sends over UDP (DNS flag day 2020).
    public static let flagDayPayloadSize: UInt16 = 1232
    /// The UDP limit without EDNS (RFC 1035 4.2.1).
    public static let classicUDPSize = 512

    public init(
        udpPayloadSize: UInt16 = DNSEDNS.flagDayPayloadSize, extendedRCode: UInt8 = 0, version: UInt8 = 0,
        dnssecOK: Bool = false, options: [Option] = []
    ) {
        self.udpPayloadSize = udpPayloadSize
        self.extendedRCode = extendedRCode
        self.version = version
        self.flags = dnssecOK ? 0x8000 : 0
        self.optionBytes = []
        self.options = options
    }

    /// Built by the parser from bytes it has checked with `validateOptions`.
    init(udpPayloadSize: UInt16, ttl: UInt32, optionBytes: [UInt8]) {
        self.udpPayloadSize = udpPayloadSize
        self.extendedRCode = UInt8(truncatingIfNeeded: ttl >> 24)
        self.version = UInt8(truncatingIfNeeded: ttl >> 16)
        self.flags = UInt16(truncatingIfNeeded: ttl)
        self.optionBytes = optionBytes
    }

    /// DO: the client wants DNSSEC records.
    public var dnssecOK: Bool {
        get { flags & 0x8000 != 0 }
        set { flags = newValue ? flags | 0x8000 : flags & 0x7FFF }
    }

    /// The OPT record's TTL field: extended RCODE, version, flags.
    var ttl: UInt32 { UInt32(extendedRCode) << 24 | UInt32(version) << 16 | UInt32(flags) }

    /// The options, in order. Setting them re-encodes `optionBytes`. (An option's data is cut at
    /// 65,535 bytes, but anything over 65,531 already makes the OPT RDATA too long to encode, so
    /// the cut never reaches the wire.)
    public var options: [Option] {
        get {
            var result: [Option] = []
            var index = 0
            while index + 4 <= optionBytes.count {
                let code = UInt16(optionBytes[index]) << 8 | UInt16(optionBytes[index + 1])
                let length = Int(optionBytes[index + 2]) << 8 | Int(optionBytes[index + 3])
                let end = min(index + 4 + length, optionBytes.count)
                result.append(Option(code: code, data: Array(optionBytes[(index + 4)..<end])))
                index = end
            }
            return result
        }
        set {
            var bytes: [UInt8] = []
            for option in newValue {
                let length = min(option.data.count, 0xFFFF)
                bytes.append(contentsOf: [UInt8(option.code >> 8), UInt8(option.code & 0xFF)])
                bytes.append(contentsOf: [UInt8(length >> 8), UInt8(length & 0xFF)])
                bytes.append(contentsOf: option.data.prefix(length))
            }
            optionBytes = bytes
        }
    }

    /// True when `bytes` are whole option triples with nothing left over.
    static func validateOptions(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        while index < bytes.count {
            guard index + 4 <= bytes.count else { return false }
            index += 4 + (Int(bytes[index + 2]) << 8 | Int(bytes[index + 3]))
        }
        return index == bytes.count
    }

    /// The largest UDP response to send to a query with this EDNS (or none): 512 without EDNS,
    /// else the client's size clamped to 512…1232 (RFC 6891 6.2.5; DNS flag day 2020).
    public static func udpResponseLimit(for query: DNSEDNS?) -> Int {
        guard let query else { return classicUDPSize }
        return min(max(Int(query.udpPayloadSize), classicUDPSize), Int(flagDayPayloadSize))
    }
}
