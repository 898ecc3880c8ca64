import BerthDNSWire

/// The encoded answers at one name, one per record type it has: what the server copies from.
/// Most names have one type (a container's A), so the common case holds no array.
public struct DNSNameAnswers: Sendable {
    private enum Answers: Sendable {
        case none
        case one(DNSEncodedAnswer)
        case many([DNSEncodedAnswer])
    }

    private let answers: Answers
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
        switch encoded.count {
        case 0: answers = .none
        case 1: answers = .one(encoded[0])
        default: answers = .many(encoded)
        }
        rotatesA = records.rotatesA
    }

    /// The answer for `type`, if the name has records of it.
    @inline(__always)
    public func answer(for type: DNSType) -> DNSEncodedAnswer? {
        switch answers {
        case .none: return nil
        case .one(let answer): return answer.question.type == type ? answer : nil
        case .many(let list): return list.first { $0.question.type == type }
        }
    }

    /// The types this name has answers for.
    public var types: [DNSType] {
        switch answers {
        case .none: []
        case .one(let answer): [answer.question.type]
        case .many(let list): list.map(\.question.type)
        }
    }

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
