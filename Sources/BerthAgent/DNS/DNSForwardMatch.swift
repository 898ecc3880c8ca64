/// Whether a message from upstream is the answer to the query the forwarder sent: a response
/// (QR) under the query's id, with exactly the one question asked (the name compared without
/// regard to case, type and class exactly). Anything else is ignored, never relayed: a forged
/// answer must guess the random id and repeat the question, on top of reaching a socket that
/// accepts only the upstream's address and port.
enum DNSForwardMatch {
    static func isAnswer(_ message: [UInt8], id: UInt16, question: [UInt8]) -> Bool {
        let headerSize = 12
        guard message.count >= headerSize + question.count,
              UInt16(message[0]) << 8 | UInt16(message[1]) == id,
              message[2] & 0x80 != 0,
              message[4] == 0, message[5] == 1 else { return false }
        for index in question.indices where fold(message[headerSize + index]) != fold(question[index]) { return false }
        return true
    }

    /// A–Z to a–z. Safe over the whole question: a label's length byte is at most 63, below 'A'.
    @inline(__always)
    private static func fold(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }

    /// True when the message has TC set.
    static func isTruncated(_ message: [UInt8]) -> Bool { message.count >= 3 && message[2] & 0x02 != 0 }

    /// `message` with its id replaced.
    static func withID(_ message: [UInt8], _ id: UInt16) -> [UInt8] {
        var out = message
        out[0] = UInt8(id >> 8)
        out[1] = UInt8(id & 0xFF)
        return out
    }
}
