// libFuzzer entry point for BerthDNSWire. No `import`: scripts/fuzz-dns compiles this file in one
// module with the sources of Sources/BerthDNSWire (swiftc -sanitize=fuzzer,address), so it
// needs no SwiftPM. It uses only the module's public API.
//
// Each input is read four ways, and anything that parses must survive a round trip; a broken
// invariant is a `fatalError`, which libFuzzer records as a crash with the input that caused it.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDNSWire(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    fuzzMessage(bytes)
    fuzzQuery(bytes)
    fuzzTCP(bytes)
    fuzzNameText(bytes)
    return 0
}

func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

let padding = DNSRecord(name: .root, ttl: 0, data: .unknown(DNSType(65280), Array(repeating: 0, count: 0x4000)))

/// Whole-message parse; what parses re-encodes to bytes that read back equal, and re-encoding
/// those gives the same bytes again. A UDP-sized encoding fits and parses.
func fuzzMessage(_ bytes: UnsafeRawBufferPointer) {
    guard let message = try? DNSMessage(parsing: bytes) else { return }
    checkLimits(message)
    let encoded: [UInt8]
    do {
        encoded = try message.encode()
    } catch {
        // Only size can fail: the input may have used pointers the encoder cannot (into RDATA
        // of opaque types, past 0x3FFF), or compressed SRV targets the encoder writes in full.
        check(error == .messageTooLarge, "encode failed: \(error)")
        return
    }
    guard let again = try? DNSMessage(parsing: encoded) else { fatalError("re-parse failed: \(message)") }
    check(again == message, "round trip changed the message: \(message) vs \(again)")
    check((try? again.encode()) == encoded, "encoding is not stable")
    // The same records pushed past offset 0x3FFF by one large opaque record, where no name may
    // become a pointer target (a pointer has 14 bits).
    var pushed = message
    pushed.answers.insert(padding, at: 0)
    if let far = try? pushed.encode() {
        check((try? DNSMessage(parsing: far)) == pushed, "round trip past 0x3FFF changed the message")
    }
    for limit in [512, 1232] {
        guard let cut = try? message.encode(maxSize: limit) else { continue }
        check(cut.count <= limit, "\(cut.count) bytes over the \(limit) limit")
        guard let truncated = try? DNSMessage(parsing: cut) else { fatalError("truncated message does not parse") }
        check(truncated.edns == message.edns, "truncation lost the OPT record")
        check(truncated.answers == Array(message.answers.prefix(truncated.answers.count)), "truncation reordered answers")
        let lostRequired = truncated.answers.count < message.answers.count || truncated.authority.count < message.authority.count
        check(truncated.header.isTruncated == (lostRequired || message.header.isTruncated), "TC does not match what was dropped")
    }
}

/// Every name the parser built keeps RFC 1035's limits (a round trip alone would not notice a
/// parser and encoder that both forgot them).
func checkLimits(_ message: DNSMessage) {
    var names = message.questions.map(\.name)
    for record in message.answers + message.authority + message.additional {
        names.append(record.name)
        switch record.data {
        case .ns(let name), .cname(let name), .ptr(let name), .mx(_, let name): names.append(name)
        case .soa(let soa): names += [soa.primary, soa.mailbox]
        case .srv(let srv): names.append(srv.target)
        case .txt(let strings): check(strings.allSatisfy { $0.count <= 255 }, "character-string over 255")
        case .a, .aaaa, .unknown: break
        }
    }
    for name in names {
        check(name.wireLength <= 255, "name over 255 bytes: \(name)")
        check(name.labels.allSatisfy { (1...63).contains($0.count) }, "bad label length in \(name)")
        check(name.wireBytes.count == name.wireLength, "wire length disagrees")
    }
}

/// The query fast path agrees with the full parser, and every response it leads to parses.
func fuzzQuery(_ bytes: UnsafeRawBufferPointer) {
    let query: DNSQuery
    do {
        query = try DNSQuery.parse(bytes)
    } catch {
        var out: [UInt8] = []
        if error.writeResponse(into: &out) {
            guard let response = try? DNSMessage(parsing: out) else { fatalError("error response does not parse") }
            check(response.header.isResponse && out.count == 12, "bad error response")
        } else {
            check(error.disposition == .drop, "no response for \(error)")
        }
        return
    }
    guard let message = try? DNSMessage(parsing: bytes) else { fatalError("fast path accepted what the parser refuses") }
    check(message.questions == [query.question] && message.edns == query.edns, "fast path disagrees")
    check(query.name.hasSameSpelling(as: query.name.lowercased()), "query name not lowercased")
    check(query.name.wireLength <= 255 && query.questionBytes.count == query.name.wireLength + 4, "question size")

    // A pre-encoded answer for its name, served at its UDP limit and over TCP.
    let target = (try? DNSName("target.berth").appending(query.name)) ?? query.name
    let records = [
        DNSRecord(name: query.name, ttl: 30, data: .cname(target)),
        DNSRecord(name: target, ttl: 30, data: .srv(DNSSRV(priority: 1, weight: 2, port: 3, target: query.name))),
    ] + Array(repeating: DNSRecord(name: target, ttl: 30, data: .a(DNSIPv4Address(198, 18, 0, 1))), count: 30)
    guard let answer = try? DNSEncodedAnswer(question: query.question, answers: records) else { return }
    for limit in [query.udpResponseLimit, DNSMessage.maxSize] {
        guard let served = try? answer.response(to: query, maxSize: limit) else { continue }
        check(served.count <= limit, "served \(served.count) over \(limit)")
        guard let response = try? DNSMessage(parsing: served) else { fatalError("served answer does not parse") }
        check(response.header.id == query.id && response.questions.count == 1, "served answer header wrong")
        check(response.questions[0].name.hasSameSpelling(as: message.questions[0].name), "question not echoed")
        check(response.answers == Array(records.prefix(response.answers.count)), "served records differ")
        check(response.header.isTruncated == (response.answers.count < records.count), "served TC wrong")
        check((response.edns != nil) == (query.edns != nil), "OPT not echoed")
    }
    var out: [UInt8] = []
    query.writeResponse(rcode: .refused, into: &out)
    check((try? DNSMessage(parsing: out))?.rcode == .refused, "REFUSED response does not parse")
}

/// The framer yields the same messages however the stream is split; it never holds more than one.
func fuzzTCP(_ bytes: UnsafeRawBufferPointer) {
    var whole = DNSTCPFramer()
    var expected: [[UInt8]] = []
    let wholeError: DNSWireError?
    do {
        try whole.feed(bytes) { expected.append(Array($0)) }
        wholeError = nil
    } catch {
        wholeError = error
    }
    var split = DNSTCPFramer()
    var received: [[UInt8]] = []
    var splitError: DNSWireError?
    var position = 0
    var step = 1
    while position < bytes.count, splitError == nil {
        // Chunk sizes from the data itself, so the fuzzer can steer them.
        step = (step * 31 + Int(bytes[position])) % 97 + 1
        let end = min(position + step, bytes.count)
        do {
            try split.feed(UnsafeRawBufferPointer(rebasing: bytes[position..<end])) { received.append(Array($0)) }
        } catch {
            splitError = error
        }
        check(split.bufferedCount <= 65_537, "framer holds \(split.bufferedCount) bytes")
        position = end
    }
    check(received == expected && splitError == wholeError, "split stream differs")
    for message in expected { check(message.count >= 12, "frame under 12 bytes delivered") }
}

/// Names from text: what parses prints as text that parses to the same spelling.
func fuzzNameText(_ bytes: UnsafeRawBufferPointer) {
    guard bytes.count <= 1024 else { return }
    let text = String(decoding: bytes, as: UTF8.self)
    guard let name = try? DNSName(text) else { return }
    guard let again = try? DNSName(name.description) else { fatalError("printed name does not parse: \(name)") }
    check(again.hasSameSpelling(as: name), "text round trip changed \(name) into \(again)")
    check(name.wireLength <= 255, "name over 255 bytes")
}
