import BerthDNSWire

/// The encoded answers at one name, one per record type it has: what the server copies from.
///
/// A class, so the table hands it out with one reference count and the server writes from its
/// answers in place (a struct of answers would be copied out of the dictionary, each of its
/// arrays retained and released, on every query).
public final class DNSNameAnswers: Sendable {
    /// Most names have one type (a container's A): no array then.
    private let first: DNSEncodedAnswer?
    private let rest: [DNSEncodedAnswer]
    /// The A answer is served rotated (a `dnsrr` service).
    public let rotatesA: Bool

    /// Encodes every record set of `records` at `name`. A set too large for one message (an SRV
    /// answer for thousands of targets) keeps what fits: first without the additional records,
    /// then with fewer answers.
    public init(name: DNSName, records: DNSNameRecords) {
        var encoded: [DNSEncodedAnswer] = []
        for (type, set) in records.sets.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            if let answer = Self.encode(DNSQuestion(name: name, type: type), set) { encoded.append(answer) }
        }
        first = encoded.first
        rest = Array(encoded.dropFirst())
        rotatesA = records.rotatesA
    }

    /// The answer for `type`, if the name has records of it.
    public func answer(for type: DNSType) -> DNSEncodedAnswer? {
        if let first, first.question.type == type { return first }
        return rest.first { $0.question.type == type }
    }

    /// Writes the answer for the query's type to `out` and returns its RCODE, or returns nil
    /// when this name has no records of that type. `rotation` applies to a rotating A answer.
    @inline(__always)
    func write(respondingTo query: DNSQuery, maxSize: Int, rotation: () -> Int, into out: inout [UInt8]) throws(DNSWireError) -> DNSRCode? {
        if let first, first.question.type == query.type {
            try first.write(respondingTo: query, maxSize: maxSize, rotatingAnswersBy: query.type == .a && rotatesA ? rotation() : 0, into: &out)
            return first.rcode
        }
        for answer in rest where answer.question.type == query.type {
            try answer.write(respondingTo: query, maxSize: maxSize, rotatingAnswersBy: query.type == .a && rotatesA ? rotation() : 0, into: &out)
            return answer.rcode
        }
        return nil
    }

    /// The types this name has answers for.
    public var types: [DNSType] { ([first].compactMap { $0 } + rest).map(\.question.type) }

    private static func encode(_ question: DNSQuestion, _ set: DNSNameRecords.RecordSet) -> DNSEncodedAnswer? {
        if let full = try? DNSEncodedAnswer(question: question, answers: set.answers, additional: set.additional) { return full }
        var count = set.answers.count
        while count > 0 {
            if let cut = try? DNSEncodedAnswer(question: question, answers: Array(set.answers.prefix(count))) { return cut }
            count /= 2
        }
        return nil
    }
}
