import BerthDNSWire

/// Test fixtures are written as hex, as tools print packets; whitespace is ignored.
func hex(_ text: String) -> [UInt8] {
    let digits = text.utf8.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\n") }
    precondition(digits.count % 2 == 0, "odd hex fixture")
    func value(_ c: UInt8) -> UInt8 {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: preconditionFailure("bad hex digit")
        }
    }
    return stride(from: 0, to: digits.count, by: 2).map { value(digits[$0]) << 4 | value(digits[$0 + 1]) }
}

/// A name from text that the test knows is valid.
func name(_ text: String) -> DNSName {
    do { return try DNSName(text) } catch { preconditionFailure("bad test name \(text): \(error)") }
}

/// A 12-byte header: id, flags, then the four counts.
func header(id: UInt16 = 0x1234, flags: UInt16 = 0x0100, qd: UInt16 = 1, an: UInt16 = 0, ns: UInt16 = 0, ar: UInt16 = 0) -> [UInt8] {
    [id, flags, qd, an, ns, ar].flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
}

/// The uncompressed wire form of a name given as text.
func wire(_ text: String) -> [UInt8] { name(text).wireBytes }

func u16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
func u32(_ value: UInt32) -> [UInt8] { u16(UInt16(value >> 16)) + u16(UInt16(value & 0xFFFF)) }

/// The error parsing `bytes` as a message throws, or nil when it parses.
func parseError(_ bytes: [UInt8]) -> DNSWireError? {
    do {
        _ = try DNSMessage(parsing: bytes)
        return nil
    } catch {
        return error
    }
}
