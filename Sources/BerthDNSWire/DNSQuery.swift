/// The fast path for a server: one query, read without building a `DNSMessage`.
///
/// Checks what a server must check (RFC 1035, 6891; the same limits as `DNSMessage(parsing:)`),
/// and keeps what it needs to answer: id and flags, the one question with its name lowercased
/// for lookup, the question's original bytes to echo (resolvers check their 0x20 spelling
/// comes back), and EDNS. Costs two allocations (the name and the question bytes) and no
/// `String`s, whatever the input.
public struct DNSQuery: Hashable, Sendable {
    public var header: DNSHeader
    /// The question name, A–Z folded to a–z.
    public var name: DNSName
    public var type: DNSType
    public var dnsClass: DNSClass
    /// The question as the client sent it: name (never compressed), type, class.
    public var questionBytes: [UInt8]
    /// The client's OPT record, if it sent one.
    public var edns: DNSEDNS?

    public var id: UInt16 { header.id }

    /// The largest UDP response this client may be sent: 512 without EDNS, else its size
    /// clamped to 512…1232.
    public var udpResponseLimit: Int { DNSEDNS.udpResponseLimit(for: edns) }

    /// Reads a query. Throws `DNSQueryError`, whose `disposition` says whether to drop the
    /// message or answer FORMERR / NOTIMP. Only QUERY with exactly one question and no answer or
    /// authority records is accepted; the additional section may hold an OPT record and others
    /// (checked, then ignored).
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(DNSQueryError) -> DNSQuery {
        guard bytes.count >= DNSReader.headerSize else { throw .tooShort(bytes.count) }
        var reader = DNSReader(bytes)
        let header = DNSHeader(id: bytes.loadU16(at: 0), flags: bytes.loadU16(at: 2))
        guard !header.isResponse else { throw .isResponse(header) }
        guard header.opcode == .query else { throw .notImplemented(header) }
        reader.offset = DNSReader.headerSize
        do {
            return try parseBody(&reader, header: header)
        } catch {
            throw .malformed(header, error)
        }
    }

    /// `parse` over any contiguous bytes (`[UInt8]`, `ArraySlice`, …).
    public static func parse(_ bytes: some Collection<UInt8>) throws(DNSQueryError) -> DNSQuery {
        let result = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(DNSQueryError) -> DNSQuery in try parse(UnsafeRawBufferPointer(buffer)) }
        } ?? Array(bytes).withUnsafeBytes { buffer in
            Result { () throws(DNSQueryError) -> DNSQuery in try parse(buffer) }
        }
        return try result.get()
    }

    private static func parseBody(_ reader: inout DNSReader, header: DNSHeader) throws(DNSWireError) -> DNSQuery {
        let bytes = reader.bytes
        let questionCount = Int(bytes.loadU16(at: 4))
        let additionalCount = Int(bytes.loadU16(at: 10))
        guard questionCount == 1 else { throw .questionCountNotOne(questionCount) }
        guard bytes.loadU16(at: 6) == 0, bytes.loadU16(at: 8) == 0 else { throw .recordsInQuery }
        let needed = DNSReader.headerSize + DNSMessage.minimumQuestionSize
            + additionalCount * DNSMessage.minimumRecordSize
        guard needed <= bytes.count else { throw .countsExceedData(needed: needed, available: bytes.count) }

        // No pointer can appear here: one would have to point before offset 12, into the header.
        let name = try reader.readName(lowercase: true)
        let type = DNSType(try reader.readU16())
        let dnsClass = DNSClass(try reader.readU16())
        let questionBytes = Array(UnsafeRawBufferPointer(rebasing: bytes[DNSReader.headerSize..<reader.offset]))

        var edns: DNSEDNS?
        for _ in 0..<additionalCount {
            let start = reader.offset
            let nameLength = try reader.walkName()
            let type = DNSType(try reader.readU16())
            let rawClass = try reader.readU16()
            let ttl = try reader.readU32()
            let length = Int(try reader.readU16())
            guard length <= reader.remaining else { throw .truncated(at: reader.offset) }
            if type == .opt {
                guard edns == nil else { throw .multipleOPT(at: start) }
                guard nameLength == 0 else { throw .optNameNotRoot(at: start) }
                edns = try reader.readOPT(name: .root, payloadSize: rawClass, ttl: ttl, length: length, at: start)
            } else {
                _ = try reader.readRData(type: type, length: length, at: start)  // checked, not kept
            }
        }
        guard reader.offset == bytes.count else { throw .trailingBytes(at: reader.offset) }
        return DNSQuery(
            header: header, name: name, type: type, dnsClass: dnsClass, questionBytes: questionBytes, edns: edns)
    }

    /// The question as a value, with the lowercased name.
    public var question: DNSQuestion { DNSQuestion(name: name, type: type, dnsClass: dnsClass) }
}

extension UnsafeRawBufferPointer {
    /// A big-endian 16-bit field; the caller has checked `offset + 2 <= count`.
    func loadU16(at offset: Int) -> UInt16 {
        UInt16(self[offset]) << 8 | UInt16(self[offset + 1])
    }
}
