import Testing
import BerthDNSWire

/// Seeded garbage and mutations of valid messages: every parser must throw or succeed, never trap,
/// and what succeeds must re-encode to something that reads back the same. Time is bounded.
struct RandomMutationTests {
    /// One mutation of `bytes`, chosen by `random`.
    static func mutate(_ bytes: [UInt8], _ random: inout RandomMessages) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<random.int(1...4) {
            let index = bytes.isEmpty ? 0 : random.int(0...(bytes.count - 1))
            switch random.int(0...7) {
            case 0 where !bytes.isEmpty: bytes[index] ^= UInt8(1 << random.int(0...7))
            case 1 where !bytes.isEmpty: bytes[index] = UInt8(random.int(0...255))
            case 2: bytes = Array(bytes.prefix(random.int(0...bytes.count)))
            case 3: bytes.insert(contentsOf: random.bytes(random.int(1...8)), at: index)
            case 4 where bytes.count > index + 2: bytes.removeSubrange(index..<random.int((index + 1)...bytes.count))
            case 5 where bytes.count >= 12: bytes[random.int(4...11)] = UInt8(random.int(0...3))  // counts
            case 6 where bytes.count > index + 1:  // a compression pointer somewhere
                let target = random.int(0...bytes.count)
                bytes[index] = 0xC0 | UInt8(target >> 8 & 0x3F)
                bytes[index + 1] = UInt8(target & 0xFF)
            default: bytes += random.bytes(random.int(0...4))
            }
        }
        return bytes
    }

    /// Runs every parser over `bytes` and checks what they agree on.
    static func exercise(_ bytes: [UInt8], _ context: Comment) {
        if let message = try? DNSMessage(parsing: bytes) {
            // Re-encoding can fail only for size (pointers the input used that we cannot).
            do {
                let again = try message.encode()
                #expect(try DNSMessage(parsing: again) == message, context)
            } catch {
                #expect(error == .messageTooLarge, context)
            }
        }
        if let query = try? DNSQuery.parse(bytes) {
            let message = try? DNSMessage(parsing: bytes)
            #expect(message?.questions == [query.question] && message?.edns == query.edns, context)
        }
        var framer = DNSTCPFramer()
        _ = try? framer.feed(bytes)
        #expect(framer.bufferedCount <= 65_537, context)
    }

    @Test(arguments: [21, 22, 23, 24] as [UInt64])
    func mutatedMessagesNeverTrap(seed: UInt64) {
        var random = RandomMessages(seed: seed)
        var parsed = 0
        for iteration in 0..<1500 {
            let valid = (random.chance(50) ? random.query() : random.message())
            guard let bytes = try? valid.encode() else { continue }
            let mutated = Self.mutate(bytes, &random)
            Self.exercise(mutated, Comment(rawValue: "seed \(seed) iteration \(iteration)"))
            if (try? DNSMessage(parsing: mutated)) != nil { parsed += 1 }
        }
        // Some mutations (e.g. inside a TXT string) keep the message valid: both paths are taken.
        #expect(parsed > 0 && parsed < 1500, "seed \(seed): \(parsed) of 1500 parsed")
    }

    @Test(arguments: [31, 32] as [UInt64])
    func garbageNeverTraps(seed: UInt64) {
        var random = RandomMessages(seed: seed)
        for iteration in 0..<3000 {
            var bytes = random.bytes(random.int(0...300))
            if random.chance(50), bytes.count >= 12 {
                // Plausible header: small counts, QR clear, so the parsers read on.
                bytes[2] &= 0x07
                for index in 4...11 { bytes[index] = index % 2 == 0 ? 0 : UInt8(random.int(0...2)) }
            }
            Self.exercise(bytes, Comment(rawValue: "seed \(seed) iteration \(iteration)"))
        }
    }

    /// The worst cases for work: the most records the size allows, and chains of pointers. Their
    /// work is bounded by construction, not by a stopwatch: a message is at most 65,535 bytes and
    /// a name takes at most 127 jumps (`HostileInputTests` proves the 128th is refused); this
    /// proves that inputs at those limits still parse, whole and right.
    @Test func worstCaseInputsParse() throws {
        // 65,535 bytes of root-owned empty records (11 bytes each): 5,956 records.
        let count = (65_535 - 12) / 11
        let records = (0..<count).flatMap { _ in [0] + u16(99) + u16(1) + u32(0) + u16(0) }
        let many = header(qd: 0, an: UInt16(count)) + records
        #expect(try DNSMessage(parsing: many).answers.count == count)
        // Then a chain of 126 pointers in an opaque record and as many records as fit whose
        // owner points at its end: every owner name takes the most jumps allowed (127).
        var chain: [UInt8] = [0xC0, 12]
        for link in 1..<126 { chain += u16(0xC000 | UInt16(30 + 2 * (link - 1))) }
        let owners = (65_535 - 30 - chain.count) / 14
        let tail = (0..<owners).flatMap { _ in u16(0xC000 | UInt16(30 + 2 * 125)) + u16(99) + u16(1) + u32(0) + u16(0) }
        let chained = header(qd: 1, an: UInt16(1 + owners)) + wire("a") + u16(99) + u16(1)
            + [0] + u16(99) + u16(1) + u32(0) + u16(UInt16(chain.count)) + chain + tail
        let parsed = try DNSMessage(parsing: chained)
        #expect(parsed.answers.count == 1 + owners && parsed.answers.last?.name == name("a"))
    }
}
