/// Writing responses to a parsed query: the parts every answer shares (header, echoed question,
/// OPT), and the small answers that carry no records.
extension DNSQuery {
    /// Flags of a response to this query: QR set, opcode, RD and CD echoed (RFC 1035 4.1.1,
    /// RFC 6840 5.9), the header's 4 RCODE bits.
    func responseFlags(rcode: DNSRCode, authoritative: Bool, recursionAvailable: Bool, truncated: Bool) -> UInt16 {
        var flags = DNSHeader(
            id: header.id, isResponse: true, opcode: header.opcode, isAuthoritative: authoritative,
            isTruncated: truncated, recursionDesired: header.recursionDesired,
            recursionAvailable: recursionAvailable, rcode: rcode)
        flags.checkingDisabled = header.checkingDisabled
        return flags.flags
    }

    /// Appends the 12-byte header (one question) and the client's question bytes.
    func appendHeaderAndQuestion(to out: inout [UInt8], flags: UInt16, answers: Int, authority: Int, additional: Int) {
        out.appendU16(header.id)
        out.appendU16(flags)
        out.appendU16(1)
        out.appendU16(UInt16(answers))
        out.appendU16(UInt16(authority))
        out.appendU16(UInt16(additional))
        out.append(contentsOf: questionBytes)
    }

    /// Bytes of the OPT record a response carries: 11 with EDNS, none without.
    var responseOPTSize: Int { edns == nil ? 0 : 11 }

    /// Appends the response's OPT record (only if the query had one): Berth's payload size
    /// (1232), the extended RCODE bits, version 0, DO echoed (RFC 3225 3), no options.
    func appendOPT(to out: inout [UInt8], rcode: DNSRCode) {
        guard let edns else { return }
        let ttl = UInt32(rcode.extendedBits) << 24 | (edns.dnssecOK ? 0x8000 : 0)
        out.append(0)
        out.appendU16(DNSType.opt.rawValue)
        out.appendU16(DNSEDNS.flagDayPayloadSize)
        out.appendU16(UInt16(ttl >> 16))
        out.appendU16(UInt16(truncatingIfNeeded: ttl))
        out.appendU16(0)
    }

    /// Appends a response with no records: header, the echoed question, OPT if the query had
    /// EDNS. For REFUSED, SERVFAIL, BADVERS (an EDNS version over 0, RFC 6891 6.1.3) and the
    /// like; NXDOMAIN and NODATA should carry the zone's SOA, so use a `DNSEncodedAnswer`.
    public func writeResponse(rcode: DNSRCode, authoritative: Bool = false, into out: inout [UInt8]) {
        let flags = responseFlags(rcode: rcode, authoritative: authoritative, recursionAvailable: false, truncated: false)
        appendHeaderAndQuestion(to: &out, flags: flags, answers: 0, authority: 0, additional: edns == nil ? 0 : 1)
        appendOPT(to: &out, rcode: rcode)
    }
}

extension [UInt8] {
    /// Appends a big-endian 16-bit value.
    @inline(__always)
    mutating func appendU16(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }
}
