/// Reading a whole message. Strict: every count must be met exactly, every RDATA must have the
/// length its type needs, and nothing may follow the last record.
extension DNSMessage {
    /// The fewest bytes one question can take (root name, type, class).
    static let minimumQuestionSize = 5
    /// The fewest bytes one record can take (root name, type, class, TTL, RDLENGTH).
    static let minimumRecordSize = 11

    /// Parses `bytes` as one message.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(DNSWireError) {
        var reader = DNSReader(bytes)
        let id = try reader.readU16()
        let flags = try reader.readU16()
        let questionCount = Int(try reader.readU16())
        let answerCount = Int(try reader.readU16())
        let authorityCount = Int(try reader.readU16())
        let additionalCount = Int(try reader.readU16())
        // Refuse absurd counts before allocating or parsing anything.
        let needed = DNSReader.headerSize + questionCount * Self.minimumQuestionSize
            + (answerCount + authorityCount + additionalCount) * Self.minimumRecordSize
        guard needed <= bytes.count else { throw .countsExceedData(needed: needed, available: bytes.count) }

        self.init(header: DNSHeader(id: id, flags: flags))
        questions.reserveCapacity(questionCount)
        for _ in 0..<questionCount {
            let name = try reader.readName()
            let type = DNSType(try reader.readU16())
            let dnsClass = DNSClass(try reader.readU16())
            questions.append(DNSQuestion(name: name, type: type, dnsClass: dnsClass))
        }
        answers = try reader.readSection(count: answerCount, edns: &edns, isAdditional: false)
        authority = try reader.readSection(count: authorityCount, edns: &edns, isAdditional: false)
        additional = try reader.readSection(count: additionalCount, edns: &edns, isAdditional: true)
        guard reader.offset == bytes.count else { throw .trailingBytes(at: reader.offset) }
    }

    /// Parses any contiguous bytes (`[UInt8]`, `ArraySlice`, …); other collections are copied first.
    public init(parsing bytes: some Collection<UInt8>) throws(DNSWireError) {
        self = try withContiguousBytes(bytes) { buffer throws(DNSWireError) in try DNSMessage(parsing: buffer) }
    }
}

extension DNSReader {
    /// Reads `count` records; an OPT record goes to `edns` (once, additional section only).
    mutating func readSection(count: Int, edns: inout DNSEDNS?, isAdditional: Bool) throws(DNSWireError) -> [DNSRecord] {
        var records: [DNSRecord] = []
        records.reserveCapacity(count)
        for _ in 0..<count {
            let start = offset
            let name = try readName()
            let type = DNSType(try readU16())
            let rawClass = try readU16()
            let ttl = try readU32()
            let length = Int(try readU16())
            guard length <= remaining else { throw .truncated(at: offset) }
            if type == .opt {
                guard isAdditional else { throw .optOutsideAdditional(at: start) }
                guard edns == nil else { throw .multipleOPT(at: start) }
                edns = try readOPT(name: name, payloadSize: rawClass, ttl: ttl, length: length, at: start)
                continue
            }
            let data = try readRData(type: type, length: length, at: start)
            records.append(DNSRecord(name: name, dnsClass: DNSClass(rawClass), ttl: ttl, data: data))
        }
        return records
    }

    /// The OPT record's RDATA, after its fixed fields.
    mutating func readOPT(name: DNSName, payloadSize: UInt16, ttl: UInt32, length: Int, at start: Int) throws(DNSWireError) -> DNSEDNS {
        guard name.isRoot else { throw .optNameNotRoot(at: start) }
        let options = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
        guard DNSEDNS.validateOptions(options) else { throw .badEDNSOption(at: start) }
        offset += length
        return DNSEDNS(udpPayloadSize: payloadSize, ttl: ttl, optionBytes: Array(options))
    }

    /// Typed RDATA, which must fill exactly `length` bytes; names in it may point anywhere back.
    mutating func readRData(type: DNSType, length: Int, at start: Int) throws(DNSWireError) -> DNSRData {
        let end = offset + length
        let outerLimit = limit
        limit = end
        defer { limit = outerLimit }
        let data: DNSRData
        do {
            switch type {
            case .a:
                data = .a(DNSIPv4Address(rawValue: try readU32()))
            case .aaaa:
                let high = UInt64(try readU32()) << 32 | UInt64(try readU32())
                let low = UInt64(try readU32()) << 32 | UInt64(try readU32())
                data = .aaaa(DNSIPv6Address(high: high, low: low))
            case .ns:
                data = .ns(try readName())
            case .cname:
                data = .cname(try readName())
            case .ptr:
                data = .ptr(try readName())
            case .mx:
                let preference = try readU16()
                data = .mx(preference: preference, exchange: try readName())
            case .soa:
                let primary = try readName()
                let mailbox = try readName()
                data = .soa(DNSSOA(
                    primary: primary, mailbox: mailbox, serial: try readU32(), refresh: try readU32(),
                    retry: try readU32(), expire: try readU32(), minimum: try readU32()))
            case .srv:
                let priority = try readU16()
                let weight = try readU16()
                let port = try readU16()
                data = .srv(DNSSRV(priority: priority, weight: weight, port: port, target: try readName()))
            case .txt:
                var strings: [[UInt8]] = []
                while offset < end {
                    let count = Int(try readU8())
                    strings.append(try readBytes(count))
                }
                data = .txt(strings)
            default:
                data = .unknown(type, try readBytes(length))
            }
        } catch .truncated(let at) where at >= start && at <= end {
            // A field that runs past RDLENGTH (the RDLENGTH itself was checked to fit).
            throw .rdataLengthMismatch(at: start, type: type)
        }
        guard offset == end else { throw .rdataLengthMismatch(at: start, type: type) }
        return data
    }
}

/// Runs `body` over the bytes of `collection` without copying when they are contiguous.
func withContiguousBytes<R>(
    _ collection: some Collection<UInt8>, _ body: (UnsafeRawBufferPointer) throws(DNSWireError) -> R
) throws(DNSWireError) -> R {
    let result = collection.withContiguousStorageIfAvailable { buffer in
        Result { () throws(DNSWireError) -> R in try body(UnsafeRawBufferPointer(buffer)) }
    }
    if let result { return try result.get() }
    return try Array(collection).withUnsafeBytes { buffer in
        Result { () throws(DNSWireError) -> R in try body(buffer) }
    }.get()
}
