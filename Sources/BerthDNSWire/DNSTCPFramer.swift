/// DNS over TCP framing (RFC 1035 4.2.2, RFC 7766 8): each message is preceded by its length
/// as two bytes.
///
/// The framer takes bytes as they arrive and hands out whole messages. Messages that arrive whole
/// inside one chunk are handed out in place, without a copy; only an incomplete tail is kept,
/// so it never holds more than one largest message (65,535 + 2 bytes), however the stream is
/// split or however many pipelined queries one read brings. A length under 12 (no room for a
/// header) or over the limit is an error after which the stream cannot be trusted: close it.
public struct DNSTCPFramer: Sendable {
    /// The largest message accepted; 65,535 (what 16 bits can say) unless lowered.
    public let maxMessageSize: Int
    /// The incomplete tail: at most 2 + `maxMessageSize` bytes.
    private var pending: [UInt8] = []
    private var failure: DNSWireError?

    public init(maxMessageSize: Int = DNSMessage.maxSize) {
        self.maxMessageSize = min(max(maxMessageSize, DNSReader.headerSize), DNSMessage.maxSize)
    }

    /// Bytes held for a message not yet complete.
    public var bufferedCount: Int { pending.count }

    /// Feeds `chunk` and calls `onMessage` for each message it completes, in order. The buffer
    /// passed to `onMessage` is valid only during the call. After an error every later call
    /// throws the same error.
    public mutating func feed(
        _ chunk: UnsafeRawBufferPointer, onMessage: (UnsafeRawBufferPointer) -> Void
    ) throws(DNSWireError) {
        if let failure { throw failure }
        var position = 0
        while true {
            if !pending.isEmpty {
                // Finish the message already begun, copying only what it still needs.
                if pending.count < 2 {
                    let take = min(2 - pending.count, chunk.count - position)
                    pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[position..<(position + take)]))
                    position += take
                    guard pending.count == 2 else { return }
                    try checkLength(Int(pending[0]) << 8 | Int(pending[1]))
                }
                let total = 2 + (Int(pending[0]) << 8 | Int(pending[1]))
                let take = min(total - pending.count, chunk.count - position)
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[position..<(position + take)]))
                position += take
                guard pending.count == total else { return }
                pending.withUnsafeBytes { onMessage(UnsafeRawBufferPointer(rebasing: $0[2...])) }
                pending.removeAll(keepingCapacity: true)
                continue
            }
            // Whole messages straight from the chunk, without a copy.
            let remaining = chunk.count - position
            if remaining >= 2 {
                let length = Int(chunk[position]) << 8 | Int(chunk[position + 1])
                try checkLength(length)
                if remaining - 2 >= length {
                    onMessage(UnsafeRawBufferPointer(rebasing: chunk[(position + 2)..<(position + 2 + length)]))
                    position += 2 + length
                    continue
                }
            }
            // An incomplete tail: at most the 2 + length bytes of one message.
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[position...]))
            return
        }
    }

    /// Feeds `chunk` and returns copies of the messages it completes.
    public mutating func feed(_ chunk: some Collection<UInt8>) throws(DNSWireError) -> [[UInt8]] {
        var messages: [[UInt8]] = []
        try withContiguousBytes(chunk) { buffer throws(DNSWireError) in
            try feed(buffer) { messages.append(Array($0)) }
        }
        return messages
    }

    private mutating func checkLength(_ length: Int) throws(DNSWireError) {
        if length < DNSReader.headerSize { failure = .tcpFrameTooShort(length) }
        if length > maxMessageSize { failure = .tcpFrameTooLong(length) }
        if let failure {
            pending = []
            throw failure
        }
    }

    /// `message` with its two-byte length prefix, for sending over TCP.
    public static func frame(_ message: some Collection<UInt8>) throws(DNSWireError) -> [UInt8] {
        var out: [UInt8] = []
        try appendFrame(message, to: &out)
        return out
    }

    /// Appends `message` with its length prefix to `out`.
    public static func appendFrame(_ message: some Collection<UInt8>, to out: inout [UInt8]) throws(DNSWireError) {
        guard message.count <= DNSMessage.maxSize else { throw .messageTooLarge }
        out.appendU16(UInt16(message.count))
        out.append(contentsOf: message)
    }
}
