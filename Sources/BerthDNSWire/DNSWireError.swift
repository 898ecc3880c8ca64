/// Everything that can go wrong reading or writing DNS wire format, as one typed error so the
/// parser can use typed throws (no boxing on the hot path) and tests can expect the exact case.
///
/// `at` is the byte offset in the message where the problem was found, for logs and tests.
/// A server answers any parse error of a query with FORMERR (see `DNSQueryError`).
public enum DNSWireError: Error, Hashable, Sendable {
    // MARK: Reading a message

    /// The message ends before a field that must be there.
    case truncated(at: Int)
    /// The header's counts need more bytes than the message has (each question takes at least
    /// 5 bytes, each record 11), so the message is rejected before any of it is parsed.
    case countsExceedData(needed: Int, available: Int)
    /// Bytes left after the last counted record.
    case trailingBytes(at: Int)
    /// A label length byte with the top bits 01 or 10: extended (RFC 6891 retired them) or
    /// reserved types. A label longer than 63 bytes cannot be written on the wire at all: its
    /// length byte reads as one of these.
    case reservedLabelType(at: Int, byte: UInt8)
    /// A compression pointer into the 12-byte header, where no name can be.
    case pointerIntoHeader(at: Int)
    /// A compression pointer to its own offset.
    case pointerToItself(at: Int)
    /// A compression pointer to a later offset (RFC 1035 4.1.4: pointers refer to a prior occurrence).
    case pointerForward(at: Int, target: Int)
    /// A compression pointer back into the part of the name being read, which would loop.
    case pointerLoop(at: Int, target: Int)
    /// More compression jumps in one name than it can have labels.
    case tooManyPointers(at: Int)
    /// A name longer than 255 bytes in wire form (RFC 1035 2.3.4); `at` is where the name starts.
    case nameTooLong(at: Int)
    /// A record whose RDATA does not have the length its type needs (too short, too long, or a
    /// field that runs past RDLENGTH).
    case rdataLengthMismatch(at: Int, type: DNSType)
    /// More than one OPT record (RFC 6891 6.1.1: FORMERR).
    case multipleOPT(at: Int)
    /// An OPT record in the answer or authority section.
    case optOutsideAdditional(at: Int)
    /// An OPT record whose owner is not the root name (RFC 6891 6.1.2).
    case optNameNotRoot(at: Int)
    /// EDNS options that do not parse as code/length/value triples filling the RDATA.
    case badEDNSOption(at: Int)
    /// A query (QR=0, QUERY) whose question count is not 1; the payload is the count.
    case questionCountNotOne(Int)
    /// A query with records in its answer or authority section.
    case recordsInQuery

    // MARK: Reading a name as text

    /// An empty label: "a..b", ".a", or "" (the root is ".").
    case emptyLabel
    /// A label over 63 bytes; the payload is its length.
    case labelTooLong(Int)
    /// A name over 255 bytes in wire form.
    case nameTextTooLong
    /// A backslash not followed by a character or by three decimal digits 000…255.
    case badEscape

    // MARK: Writing

    /// The encoded message would exceed 65,535 bytes, or a section more than 65,535 records.
    case messageTooLarge
    /// A TXT character-string over 255 bytes.
    case characterStringTooLong(Int)
    /// RDATA over 65,535 bytes.
    case rdataTooLong
    /// A pre-encoded answer served to a query for another name.
    case questionMismatch

    // MARK: TCP framing

    /// A TCP length prefix under 12, the size of a header (RFC 7766: such a stream is broken).
    case tcpFrameTooShort(Int)
    /// A TCP length prefix over the framer's limit.
    case tcpFrameTooLong(Int)
}
