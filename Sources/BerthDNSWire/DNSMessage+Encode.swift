/// Writing a whole message, compressed, within a size limit.
extension DNSMessage {
    /// The largest DNS message (a TCP length prefix is 16 bits).
    public static let maxSize = 65_535

    /// Encodes the message in at most `maxSize` bytes (512 or the EDNS limit for UDP, 65,535 for
    /// TCP). What does not fit is dropped from the end of additional, then authority, then
    /// answer; TC is set when answer or authority records were dropped (RFC 2181 9), and the OPT
    /// record is always kept. Throws `messageTooLarge` if not even the header, questions and OPT fit.
    public func encode(maxSize: Int = DNSMessage.maxSize) throws(DNSWireError) -> [UInt8] {
        let recordCount = answers.count + authority.count + additional.count
        guard questions.count <= 0xFFFF, answers.count <= 0xFFFF, authority.count <= 0xFFFF,
              additional.count + (edns == nil ? 0 : 1) <= 0xFFFF else { throw .messageTooLarge }
        var writer = DNSWriter(capacity: min(maxSize, 512))
        writer.writeU16(header.id)
        writer.writeU16(header.flags)
        for _ in 0..<4 { writer.writeU16(0) }
        for question in questions {
            writer.writeName(question.name, compress: true)
            writer.writeU16(question.type.rawValue)
            writer.writeU16(question.dnsClass.rawValue)
        }
        let sectionsStart = writer.bytes.count
        var recordEnds: [Int] = []
        recordEnds.reserveCapacity(recordCount)
        for section in [answers, authority, additional] {
            for record in section {
                try writer.writeRecord(record)
                recordEnds.append(writer.bytes.count)
            }
        }
        let budget = min(maxSize, Self.maxSize) - DNSWriter.optSize(edns)
        guard sectionsStart <= budget else { throw .messageTooLarge }
        let cut = DNSTruncation(
            recordEnds: recordEnds, sectionsStart: sectionsStart,
            requiredRecords: answers.count + authority.count, budget: budget)
        let keptEnd = cut.kept == 0 ? sectionsStart : recordEnds[cut.kept - 1]
        writer.bytes.removeLast(writer.bytes.count - keptEnd)
        if let edns { try writer.writeOPT(edns) }

        let keptAnswers = min(cut.kept, answers.count)
        let keptAuthority = min(cut.kept - keptAnswers, authority.count)
        let keptAdditional = cut.kept - keptAnswers - keptAuthority + (edns == nil ? 0 : 1)
        if cut.setsTC { writer.patchU16(header.flags | DNSHeader.tcBit, at: 2) }
        writer.patchU16(UInt16(questions.count), at: 4)
        writer.patchU16(UInt16(keptAnswers), at: 6)
        writer.patchU16(UInt16(keptAuthority), at: 8)
        writer.patchU16(UInt16(keptAdditional), at: 10)
        return writer.bytes
    }
}
