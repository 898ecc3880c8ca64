/// Appends wire format to a byte array, compressing names (RFC 1035 4.1.4).
///
/// Compression remembers every name suffix written so far by a hash of its case-folded labels,
/// so "WEB.berth" can point at an earlier "web.berth". A hash hit is checked against the bytes
/// already written before a pointer is emitted, so a collision costs a missed compression, never a
/// wrong name. Only offsets up to 0x3FFF can be pointed at (a pointer has 14 bits).
struct DNSWriter {
    var bytes: [UInt8]
    private var suffixes: [UInt64: UInt16] = [:]

    static let maxPointerTarget = 0x3FFF

    init(capacity: Int = 512) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    mutating func writeU8(_ value: UInt8) { bytes.append(value) }

    mutating func writeU16(_ value: UInt16) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    mutating func writeU32(_ value: UInt32) {
        writeU16(UInt16(value >> 16))
        writeU16(UInt16(truncatingIfNeeded: value))
    }

    mutating func patchU16(_ value: UInt16, at offset: Int) {
        bytes[offset] = UInt8(value >> 8)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: value)
    }

    /// Writes `name`, as a pointer to the longest suffix already written when `compress` is true.
    /// Either way its new suffixes become targets for later names.
    mutating func writeName(_ name: DNSName, compress: Bool) {
        let storage = name.storage
        guard !storage.isEmpty else {
            writeU8(0)
            return
        }
        // Label start offsets, then a hash per suffix built from the right.
        var starts: [Int] = []
        starts.reserveCapacity(16)
        var index = 0
        while index < storage.count {
            starts.append(index)
            index += 1 + Int(storage[index])
        }
        var hashes = [UInt64](repeating: 0, count: starts.count)
        var running: UInt64 = 0xCBF2_9CE4_8422_2325
        for label in starts.indices.reversed() {
            let start = starts[label]
            let end = start + 1 + Int(storage[start])
            for byte in storage[start..<end] {
                running = (running ^ UInt64(DNSName.fold(byte))) &* 0x0000_0100_0000_01B3
            }
            running = (running ^ 0xFF) &* 0x0000_0100_0000_01B3  // label boundary
            hashes[label] = running
        }
        // The first (longest) suffix already written, if compressing.
        var pointerLabel = starts.count
        var pointerTarget = 0
        if compress {
            for label in starts.indices {
                if let target = suffixes[hashes[label]],
                   matches(storage[starts[label]...], at: Int(target)) {
                    pointerLabel = label
                    pointerTarget = Int(target)
                    break
                }
            }
        }
        for label in 0..<pointerLabel {
            let offset = bytes.count
            if offset <= Self.maxPointerTarget, suffixes[hashes[label]] == nil {
                suffixes[hashes[label]] = UInt16(offset)
            }
            let start = starts[label]
            bytes.append(contentsOf: storage[start..<(start + 1 + Int(storage[start]))])
        }
        if pointerLabel < starts.count {
            writeU16(0xC000 | UInt16(pointerTarget))
        } else {
            writeU8(0)
        }
    }

    /// True when the name written at `offset` (following our own pointers) spells `suffix`,
    /// ignoring ASCII case.
    private func matches(_ suffix: ArraySlice<UInt8>, at offset: Int) -> Bool {
        var position = offset
        var index = suffix.startIndex
        while true {
            let byte = bytes[position]
            if byte & 0xC0 == 0xC0 {
                position = Int(byte & 0x3F) << 8 | Int(bytes[position + 1])
                continue
            }
            guard index < suffix.endIndex else { return byte == 0 }
            guard byte == suffix[index] else { return false }
            if byte == 0 { return false }
            for step in 1...Int(byte) where DNSName.fold(bytes[position + step]) != DNSName.fold(suffix[index + step]) {
                return false
            }
            position += 1 + Int(byte)
            index += 1 + Int(byte)
        }
    }

    /// Writes one record; the RDATA length is patched in after the RDATA.
    mutating func writeRecord(_ record: DNSRecord) throws(DNSWireError) {
        writeName(record.name, compress: true)
        writeU16(record.type.rawValue)
        writeU16(record.dnsClass.rawValue)
        writeU32(record.ttl)
        let lengthOffset = bytes.count
        writeU16(0)
        switch record.data {
        case .a(let address):
            writeU32(address.rawValue)
        case .aaaa(let address):
            writeU32(UInt32(address.high >> 32))
            writeU32(UInt32(truncatingIfNeeded: address.high))
            writeU32(UInt32(address.low >> 32))
            writeU32(UInt32(truncatingIfNeeded: address.low))
        case .ns(let name), .cname(let name), .ptr(let name):
            writeName(name, compress: true)
        case .mx(let preference, let exchange):
            writeU16(preference)
            writeName(exchange, compress: true)
        case .soa(let soa):
            writeName(soa.primary, compress: true)
            writeName(soa.mailbox, compress: true)
            for value in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] { writeU32(value) }
        case .srv(let srv):
            writeU16(srv.priority)
            writeU16(srv.weight)
            writeU16(srv.port)
            writeName(srv.target, compress: false)  // RFC 2782: never compressed
        case .txt(let strings):
            for string in strings {
                guard string.count <= 255 else { throw .characterStringTooLong(string.count) }
                writeU8(UInt8(string.count))
                bytes.append(contentsOf: string)
            }
        case .unknown(_, let data):
            bytes.append(contentsOf: data)
        }
        let length = bytes.count - lengthOffset - 2
        guard length <= 0xFFFF else { throw .rdataTooLong }
        patchU16(UInt16(length), at: lengthOffset)
    }

    /// Writes the OPT pseudo-record for `edns` (root owner, never compressed).
    mutating func writeOPT(_ edns: DNSEDNS) throws(DNSWireError) {
        guard edns.optionBytes.count <= 0xFFFF else { throw .rdataTooLong }
        writeU8(0)
        writeU16(DNSType.opt.rawValue)
        writeU16(edns.udpPayloadSize)
        writeU32(edns.ttl)
        writeU16(UInt16(edns.optionBytes.count))
        bytes.append(contentsOf: edns.optionBytes)
    }

    /// Bytes an OPT record for `edns` takes.
    static func optSize(_ edns: DNSEDNS?) -> Int {
        guard let edns else { return 0 }
        return 11 + edns.optionBytes.count
    }
}
