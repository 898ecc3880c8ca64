/// Why `DNSQuery.parse` refused a message, sorted by what a server must do about it.
public enum DNSQueryError: Error, Hashable, Sendable {
    /// Under 12 bytes: no header to answer with. Drop.
    case tooShort(Int)
    /// QR=1: a response, maybe spoofed or reflected. Answering could start a loop. Drop.
    case isResponse(DNSHeader)
    /// An opcode other than QUERY: answer NOTIMP.
    case notImplemented(DNSHeader)
    /// A query that does not parse: answer FORMERR.
    case malformed(DNSHeader, DNSWireError)

    /// What a server does with the message.
    public enum Disposition: Hashable, Sendable {
        /// Send nothing.
        case drop
        /// Send a header-only response with this RCODE (see `writeResponse(into:)`).
        case respond(DNSRCode)
    }

    public var disposition: Disposition {
        switch self {
        case .tooShort, .isResponse: .drop
        case .notImplemented: .respond(.notImplemented)
        case .malformed: .respond(.formatError)
        }
    }

    /// Appends the header-only response (id, opcode and RD echoed, QR set, counts zero) and
    /// returns true, or returns false when the message must be dropped. The question is not
    /// echoed: it may be what was malformed.
    @discardableResult
    public func writeResponse(into out: inout [UInt8]) -> Bool {
        let header: DNSHeader
        switch self {
        case .tooShort, .isResponse: return false
        case .notImplemented(let query), .malformed(let query, _): header = query
        }
        guard case .respond(let rcode) = disposition else { return false }
        var response = DNSHeader(
            id: header.id, isResponse: true, opcode: header.opcode,
            recursionDesired: header.recursionDesired, rcode: rcode)
        response.checkingDisabled = header.checkingDisabled
        out.append(UInt8(response.id >> 8))
        out.append(UInt8(truncatingIfNeeded: response.id))
        out.append(UInt8(response.flags >> 8))
        out.append(UInt8(truncatingIfNeeded: response.flags))
        out.append(contentsOf: repeatElement(0, count: 8))
        return true
    }
}
