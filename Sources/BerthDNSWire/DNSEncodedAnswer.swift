/// An answer encoded once and served many times: the way to answer at line rate.
///
/// The answer, authority and additional sections are encoded as if they followed a header and
/// the question, so their compression pointers refer to the question name at offset 12. Any
/// query for the same name has a question of the same length there (a query's question is never
/// compressed), whatever its case, so serving is: 12-byte header (id, flags, counts), the
/// client's own question bytes, a prefix of the cached bytes, and an OPT record if the client
/// sent one. Truncation for UDP picks the longest prefix of whole records that fits, found by a
/// binary search over the record boundaries kept here.
public struct DNSEncodedAnswer: Sendable {
    /// The question this answer is for (spelling irrelevant).
    public let question: DNSQuestion
    public let rcode: DNSRCode
    public let isAuthoritative: Bool
    public let recursionAvailable: Bool
    /// The encoded answer, authority and additional records.
    public let sections: [UInt8]
    /// Offset in `sections` just past each record.
    private let recordEnds: [Int]
    public let answerCount: Int
    public let authorityCount: Int
    public let additionalCount: Int
    /// Bytes of the question in a query for this name: name + type + class.
    private let questionSize: Int
    /// The size every answer record has, when they all have the same (A records for one name
    /// do: a pointer to the question, the fixed fields, four bytes), else nil. Only then can
    /// the answers be rotated by copying, every record boundary staying where it was.
    private let uniformAnswerSize: Int?

    /// Encodes the sections for `question`. NXDOMAIN and NODATA are answers too: no answer
    /// records, the zone's SOA in `authority`, `rcode` `.nameError` or `.noError`.
    public init(
        question: DNSQuestion, rcode: DNSRCode = .noError, authoritative: Bool = true,
        recursionAvailable: Bool = false, answers: [DNSRecord], authority: [DNSRecord] = [],
        additional: [DNSRecord] = []
    ) throws(DNSWireError) {
        guard answers.count + authority.count + additional.count < 0xFFFF else { throw .messageTooLarge }
        var writer = DNSWriter()
        for _ in 0..<6 { writer.writeU16(0) }
        writer.writeName(question.name, compress: true)
        writer.writeU16(question.type.rawValue)
        writer.writeU16(question.dnsClass.rawValue)
        let start = writer.bytes.count
        var ends: [Int] = []
        for record in answers + authority + additional {
            try writer.writeRecord(record)
            ends.append(writer.bytes.count - start)
        }
        guard writer.bytes.count <= DNSMessage.maxSize else { throw .messageTooLarge }
        self.question = question
        self.rcode = rcode
        self.isAuthoritative = authoritative
        self.recursionAvailable = recursionAvailable
        self.sections = Array(writer.bytes[start...])
        self.recordEnds = ends
        self.answerCount = answers.count
        self.authorityCount = authority.count
        self.additionalCount = additional.count
        self.questionSize = start - DNSReader.headerSize
        let answerSizes = (0..<answers.count).map { ends[$0] - ($0 == 0 ? 0 : ends[$0 - 1]) }
        self.uniformAnswerSize = answerSizes.allSatisfy { $0 == answerSizes.first } ? answerSizes.first : nil
    }

    /// True when `write(…rotatingAnswersBy:…)` can rotate this answer's records.
    public var canRotateAnswers: Bool { uniformAnswerSize != nil && answerCount > 1 }

    /// Appends the response to `query` to `out`, in at most `maxSize` bytes (use
    /// `query.udpResponseLimit` for UDP, `DNSMessage.maxSize` for TCP). Throws
    /// `questionMismatch` if the query is for another name, type or class: the cached pointers
    /// would then be wrong. Returns the number of bytes appended.
    ///
    /// `rotatingAnswersBy` starts the answer section at that record (modulo the count) and
    /// wraps around, for round-robin answers (`dnsrr`) served from one encoding: truncation
    /// then keeps a prefix of the rotated order. It is ignored unless `canRotateAnswers`.
    @discardableResult
    public func write(
        respondingTo query: DNSQuery, maxSize: Int, rotatingAnswersBy rotation: Int = 0, into out: inout [UInt8]
    ) throws(DNSWireError) -> Int {
        guard query.questionBytes.count == questionSize, query.type == question.type,
              query.dnsClass == question.dnsClass, query.name == question.name else { throw .questionMismatch }
        let fixed = DNSReader.headerSize + questionSize
        let budget = min(maxSize, DNSMessage.maxSize) - fixed - query.responseOPTSize
        guard budget >= 0 else { throw .messageTooLarge }
        let cut = DNSTruncation(
            recordEnds: recordEnds, sectionsStart: 0, requiredRecords: answerCount + authorityCount, budget: budget)
        let keptAnswers = min(cut.kept, answerCount)
        let keptAuthority = min(cut.kept - keptAnswers, authorityCount)
        let keptAdditional = cut.kept - keptAnswers - keptAuthority
        let keptBytes = cut.kept == 0 ? 0 : recordEnds[cut.kept - 1]

        let before = out.count
        out.reserveCapacity(before + fixed + keptBytes + query.responseOPTSize)
        let flags = query.responseFlags(
            rcode: rcode, authoritative: isAuthoritative, recursionAvailable: recursionAvailable, truncated: cut.setsTC)
        query.appendHeaderAndQuestion(
            to: &out, flags: flags, answers: keptAnswers, authority: keptAuthority,
            additional: keptAdditional + (query.edns == nil ? 0 : 1))
        let shift = answerCount > 1 ? rotation.magnitude % UInt(answerCount) : 0
        if shift != 0, let size = uniformAnswerSize {
            // Answers start..<count, then 0..<start, cut at the kept count; the rest as is.
            let start = Int(shift)
            let first = min(keptAnswers, answerCount - start)
            let answersEnd = answerCount * size
            sections.withUnsafeBufferPointer { bytes in
                out.append(contentsOf: bytes[(start * size)..<((start + first) * size)])
                out.append(contentsOf: bytes[0..<((keptAnswers - first) * size)])
                if keptBytes > answersEnd { out.append(contentsOf: bytes[answersEnd..<keptBytes]) }
            }
        } else {
            sections.withUnsafeBufferPointer { out.append(contentsOf: $0[0..<keptBytes]) }
        }
        query.appendOPT(to: &out, rcode: rcode)
        return out.count - before
    }

    /// The response to `query` as a new array.
    public func response(to query: DNSQuery, maxSize: Int) throws(DNSWireError) -> [UInt8] {
        var out: [UInt8] = []
        try write(respondingTo: query, maxSize: maxSize, into: &out)
        return out
    }
}
