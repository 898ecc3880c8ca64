/// A bounds-checked cursor over one message. Every read checks before it loads, so no input can
/// make it read outside the buffer; every failure is a `DNSWireError` with the offset.
struct DNSReader {
    let bytes: UnsafeRawBufferPointer
    var offset: Int
    /// Where in-place reads must stop: the message end, or the end of the RDATA being read.
    /// Names reached through a compression pointer may run to the message end.
    var limit: Int

    /// A sane encoder never chains pointers, so a name has at most one jump per label.
    static let maxPointerJumps = 127
    /// The header's size, and so the lowest offset a name (or a pointer target) can have.
    static let headerSize = 12

    init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
        self.limit = bytes.count
    }

    var remaining: Int { limit - offset }

    mutating func readU8() throws(DNSWireError) -> UInt8 {
        guard offset < limit else { throw .truncated(at: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readU16() throws(DNSWireError) -> UInt16 {
        guard offset + 2 <= limit else { throw .truncated(at: offset) }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func readU32() throws(DNSWireError) -> UInt32 {
        guard offset + 4 <= limit else { throw .truncated(at: offset) }
        defer { offset += 4 }
        return UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
            | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    mutating func readBytes(_ count: Int) throws(DNSWireError) -> [UInt8] {
        guard count <= remaining else { throw .truncated(at: offset) }
        defer { offset += count }
        return Array(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)]))
    }

    /// Reads a possibly compressed name and moves past it; `lowercase` folds A–Z as it copies.
    mutating func readName(lowercase: Bool = false) throws(DNSWireError) -> DNSName {
        let start = offset
        let length = try walkName()
        guard length > 0 else { return .root }
        let bytes = self.bytes
        // Second pass: the walk proved every label and pointer good, so copy without checks
        // into an array of exactly the right size (one allocation per name).
        let storage = [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            var position = start
            var written = 0
            while true {
                let byte = bytes[position]
                if byte == 0 { break }
                if byte & 0xC0 == 0xC0 {
                    position = Int(byte & 0x3F) << 8 | Int(bytes[position + 1])
                    continue
                }
                let end = position + 1 + Int(byte)
                buffer[written] = byte
                written += 1
                for index in (position + 1)..<end {
                    buffer[written] = lowercase ? DNSName.fold(bytes[index]) : bytes[index]
                    written += 1
                }
                position = end
            }
            initialized = written
        }
        return DNSName(storage: storage)
    }

    /// Checks the name at `offset`, moves past it, and returns its length in wire form without
    /// the final zero (0 for the root). Pointers must go strictly back, before the start of the
    /// run of labels that holds them, so every jump lands earlier than the last and no loop
    /// can form; the jump count and the 255-byte limit bound the work to a few hundred steps.
    @discardableResult
    mutating func walkName() throws(DNSWireError) -> Int {
        let nameStart = offset
        var position = offset
        var runStart = offset
        var end = limit
        var jumps = 0
        var length = 0
        while true {
            guard position < end else { throw .truncated(at: position) }
            let byte = bytes[position]
            switch byte & 0xC0 {
            case 0x00:
                if byte == 0 {
                    if jumps == 0 { offset = position + 1 }
                    return length
                }
                let next = position + 1 + Int(byte)
                guard next <= end else { throw .truncated(at: position) }
                length += 1 + Int(byte)
                guard length + 1 <= DNSName.maxWireLength else { throw .nameTooLong(at: nameStart) }
                position = next
            case 0xC0:
                guard position + 2 <= end else { throw .truncated(at: position) }
                let target = Int(byte & 0x3F) << 8 | Int(bytes[position + 1])
                if target == position { throw .pointerToItself(at: position) }
                if target > position { throw .pointerForward(at: position, target: target) }
                if target < Self.headerSize { throw .pointerIntoHeader(at: position) }
                if target >= runStart { throw .pointerLoop(at: position, target: target) }
                jumps += 1
                guard jumps <= Self.maxPointerJumps else { throw .tooManyPointers(at: position) }
                if jumps == 1 {
                    offset = position + 2
                    end = bytes.count
                }
                runStart = target
                position = target
            default:
                throw .reservedLabelType(at: position, byte: byte)
            }
        }
    }
}
