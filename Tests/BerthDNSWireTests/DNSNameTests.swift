import Testing
import BerthDNSWire

struct DNSNameTests {
    @Test(arguments: [
        ("web.service.berth.", "web.service.berth.", 3),
        ("web.service.berth", "web.service.berth.", 3),
        (".", ".", 0),
        ("a", "a.", 1),
        ("_http._tcp.web", "_http._tcp.web.", 3),
        (#"a\.b.c"#, #"a\.b.c."#, 2),
        (#"a\\b"#, #"a\\b."#, 1),
        (#"\065bc"#, "Abc.", 1),
        (#"sp\032ace"#, #"sp\032ace."#, 1),
        (#"\000\255"#, #"\000\255."#, 1),
        (#"q\"u;o(t)e@$"#, #"q\"u\;o\(t\)e\@\$."#, 1),
    ])
    func textRoundTrip(input: String, rendered: String, labels: Int) throws {
        let parsed = try DNSName(input)
        #expect(parsed.description == rendered)
        #expect(parsed.labelCount == labels)
        #expect(try DNSName(parsed.description).hasSameSpelling(as: parsed))
    }

    @Test(arguments: [
        ("", DNSWireError.emptyLabel),
        ("..", .emptyLabel),
        (".a", .emptyLabel),
        ("a..b", .emptyLabel),
        ("a.b..", .emptyLabel),
        (String(repeating: "x", count: 64), .labelTooLong(64)),
        (String(repeating: "x", count: 64) + ".berth", .labelTooLong(64)),
        (#"a\"#, .badEscape),
        (#"a\25"#, .badEscape),
        (#"a\2x5"#, .badEscape),
        (#"a\256"#, .badEscape),
    ])
    func badText(input: String, error: DNSWireError) {
        #expect(throws: error) { try DNSName(input) }
    }

    @Test func lengthLimits() throws {
        let label63 = String(repeating: "a", count: 63)
        // 4 labels of 63 = 256 bytes, 3 of 63 + one of 61 = 254 + root = 255.
        let longest = [label63, label63, label63, String(repeating: "b", count: 61)].joined(separator: ".")
        let name = try DNSName(longest)
        #expect(name.wireLength == 255)
        #expect(name.wireBytes.count == 255)
        #expect(throws: DNSWireError.nameTextTooLong) { try DNSName(longest + "b") }
        #expect(throws: DNSWireError.nameTextTooLong) { try DNSName(longest + ".c") }
        #expect(throws: DNSWireError.nameTextTooLong) { try name.appending(DNSName("c")) }
        // 127 one-byte labels: 254 bytes + root.
        let many = Array(repeating: "a", count: 127).joined(separator: ".")
        #expect(try DNSName(many).wireLength == 255)
        #expect(throws: DNSWireError.nameTextTooLong) { try DNSName(many + ".a") }
        #expect(throws: DNSWireError.labelTooLong(64)) { try DNSName(labels: [Array(repeating: UInt8(97), count: 64)]) }
        #expect(throws: DNSWireError.emptyLabel) { try DNSName(labels: [[UInt8]()]) }
    }

    @Test func equalityFoldsASCIICaseOnly() throws {
        #expect(try DNSName("Web.SERVICE.berth") == DNSName("web.service.BERTH."))
        #expect(try DNSName("Web.berth").hashValue == DNSName("wEB.BERTH").hashValue)
        #expect(try !DNSName("Web.berth").hasSameSpelling(as: DNSName("web.berth")))
        #expect(try DNSName("web.berth") != DNSName("web.berth.x"))
        #expect(try DNSName("web.berth") != DNSName("wec.berth"))
        // Only A–Z fold: "@" (0x40) and "`" (0x60) differ by the same bit as "A"/"a" but are not letters.
        #expect(try DNSName("\\@") != DNSName("\\`"))
        #expect(try DNSName(#"\196"#) != DNSName(#"\228"#))  // Ä / ä in Latin-1: not folded
        let set: Set<DNSName> = [try DNSName("A.b"), try DNSName("a.B")]
        #expect(set.count == 1)
    }

    @Test(arguments: [
        ("a.web.berth", "berth", true),
        ("a.web.berth", "WEB.berth.", true),
        ("web.berth", "web.berth", true),
        ("web.berth", ".", true),
        ("a.web.berth", "eb.berth", false),
        ("berth", "web.berth", false),
        ("xweb.berth", "web.berth", false),
        ("web.berthx", "berth", false),
    ])
    func subdomain(child: String, parent: String, expected: Bool) throws {
        #expect(try DNSName(child).isSubdomain(of: DNSName(parent)) == expected)
    }

    @Test func labelsParentAppendingAndLowercased() throws {
        let web = try DNSName("Web.Service.berth")
        #expect(web.labels.map { String(decoding: $0, as: UTF8.self) } == ["Web", "Service", "berth"])
        #expect(web.parent == (try DNSName("service.berth")))
        #expect(DNSName.root.parent == nil)
        #expect(try DNSName("berth").parent == .root)
        #expect(try DNSName("_http._tcp").appending(web).description == "_http._tcp.Web.Service.berth.")
        #expect(web.lowercased().description == "web.service.berth.")
        #expect(DNSName.root.description == ".")
        #expect(DNSName.root.wireBytes == [0])
    }
}
