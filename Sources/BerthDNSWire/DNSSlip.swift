/// The "slip" of response-rate limiting (BIND's and Knot's RRL): a response cut to its header
/// and question, TC set, no records. Small (no amplification), and a real client that gets it
/// asks again over TCP, which a forged source cannot complete.
public enum DNSSlip {
    /// Cuts `response` (a whole response message) to header and question in place and sets TC.
    /// A response without a readable question keeps its header alone.
    public static func truncate(_ response: inout [UInt8]) {
        guard response.count >= DNSReader.headerSize else { return }
        let questions = Int(response[4]) << 8 | Int(response[5])
        var end = DNSReader.headerSize
        if questions == 1, let nameEnd = nameEnd(response, from: end), nameEnd + 4 <= response.count {
            end = nameEnd + 4
        } else {
            response[4] = 0
            response[5] = 0
        }
        response.removeSubrange(end...)
        response[2] |= UInt8(DNSHeader.tcBit >> 8)
        for offset in 6..<12 { response[offset] = 0 }
    }

    /// The offset just past the name starting at `offset`, nil when it runs past the end.
    private static func nameEnd(_ bytes: [UInt8], from offset: Int) -> Int? {
        var at = offset
        while at < bytes.count {
            let length = Int(bytes[at])
            if length == 0 { return at + 1 }
            if length & 0xC0 == 0xC0 { return at + 2 <= bytes.count ? at + 2 : nil }
            at += 1 + length
        }
        return nil
    }
}
