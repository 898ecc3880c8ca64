import Testing
import BerthCore

@Suite struct RulesTests {
    // MARK: names

    @Test(arguments: ["a", "0", "web", "web-1", "1web", "a-b-c", "x1y2", String(repeating: "a", count: 63)])
    func acceptsDNSLabels(_ name: String) throws {
        #expect(Rules.isDNSLabel(name))
        try Rules.name(name)
    }

    @Test(arguments: [
        "", "-a", "a-", "-", "Web", "wEb", "a_b", "a.b", "a b", " a", "a\n", "wéb", "a/b",
        String(repeating: "a", count: 64),
    ])
    func rejectsNonDNSLabels(_ name: String) {
        #expect(!Rules.isDNSLabel(name))
        let error = #expect(throws: BerthError.self) { try Rules.name(name, field: "ports[2].name") }
        #expect(error?.field == "ports[2].name")
        #expect(error?.argumentMessage?.contains("is not a DNS label") == true)
    }

    @Test func nameErrorDefaultsToFieldName() {
        let error = #expect(throws: BerthError.self) { try Rules.name("Bad") }
        #expect(error?.field == "name")
        #expect(error?.code == "invalid_argument")
        #expect(error?.message.hasPrefix("name: \"Bad\" is not a DNS label") == true)
    }

    // MARK: labels

    @Test(arguments: ["zone", "Zone", "ZONE", "a", "topology.example.io", "disk_type", "disk-type", "a1", "1a", String(repeating: "k", count: 63)])
    func acceptsLabelKeys(_ key: String) {
        #expect(Rules.isLabelKey(key))
    }

    @Test(arguments: ["", "_a", "a_", ".a", "a.", "-a", "a-", "a b", "a/b", "a:b", "zöne", "a=b", String(repeating: "k", count: 64)])
    func rejectsLabelKeys(_ key: String) {
        #expect(!Rules.isLabelKey(key))
    }

    @Test(arguments: ["", "a", "us-east-1", "v1.2.3", "Some_Value", String(repeating: "v", count: 63)])
    func acceptsLabelValues(_ value: String) {
        #expect(Rules.isLabelValue(value))
    }

    @Test(arguments: [" ", "-x", "x-", "a b", "a/b", "ü", String(repeating: "v", count: 64)])
    func rejectsLabelValues(_ value: String) {
        #expect(!Rules.isLabelValue(value))
    }

    @Test func labelsNameTheOffendingKey() throws {
        try Rules.labels(["zone": "a", "gpu": "", "Disk.Type": "ssd"])

        let badKey = #expect(throws: BerthError.self) { try Rules.labels(["zone": "a", "-bad": "x"]) }
        #expect(badKey?.field == "labels.-bad")

        let badValue = #expect(throws: BerthError.self) { try Rules.labels(["zone": "a b"], field: "spec.labels") }
        #expect(badValue?.field == "spec.labels.zone")
        #expect(badValue?.argumentMessage?.contains("label values") == true)
    }

    @Test func atMost64Labels() throws {
        let sixtyFour = Dictionary(uniqueKeysWithValues: (0..<64).map { ("k\($0)", "v") })
        try Rules.labels(sixtyFour)
        var sixtyFive = sixtyFour
        sixtyFive["k64"] = "v"
        let error = #expect(throws: BerthError.self) { try Rules.labels(sixtyFive) }
        #expect(error == .invalidArgument(field: "labels", message: "at most 64 labels, got 65"))
    }

    // MARK: numbers and lengths

    @Test func rangeIsInclusive() throws {
        try Rules.range(1, 1...10, field: "x")
        try Rules.range(10, 1...10, field: "x")
        #expect(throws: BerthError.invalidArgument(field: "x", message: "must be between 1 and 10, got 0")) {
            try Rules.range(0, 1...10, field: "x")
        }
        #expect(throws: BerthError.invalidArgument(field: "x", message: "must be between 1 and 10, got 11")) {
            try Rules.range(11, 1...10, field: "x")
        }
    }

    @Test func lengthCountsUTF8Bytes() throws {
        try Rules.length("abcd", 0...4, field: "s")
        let error = #expect(throws: BerthError.self) { try Rules.length("ééé", 0...4, field: "s") }
        #expect(error?.field == "s")
    }

    @Test func countLimit() throws {
        try Rules.count(32, max: 32, field: "constraints")
        #expect(throws: BerthError.invalidArgument(field: "constraints", message: "at most 32 items, got 33")) {
            try Rules.count(33, max: 32, field: "constraints")
        }
    }

    // MARK: addresses

    @Test(arguments: [
        "10.0.0.1", "0.0.0.0", "255.255.255.255", "192.168.1.254",
        "::1", "::", "fe80::1", "2001:db8::8a2e:370:7334", "2001:0db8:0000:0000:0000:ff00:0042:8329",
        "1:2:3:4:5:6:7:8", "::ffff:192.0.2.1", "64:ff9b::10.0.0.1", "FE80::ABCD",
        "node1", "node-1", "node-1.example.com", "Node1.Example.COM", "localhost", "a", "host.10a",
    ])
    func acceptsAddresses(_ address: String) throws {
        try Rules.address(address)
    }

    @Test(arguments: [
        "", " ", "10.0.0.1 ", "256.0.0.1", "10.0.0", "10.0.0.1.2", "01.2.3.4", "10.0.0.01", "1.2.3.4.", "+1.2.3.4", "1.2.3.+4",
        ":::", "1:::2", ":1::2", "1::2:", ":1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:", "1::2::3", "12345::1", "gggg::1", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7::8:9",
        "::1.2.3", "1.2.3.4::1", "fe80::1%eth0", "[::1]", ":",
        "-host", "host-", "host_name", "a..b", "host.", ".host", "exa mple", "höst", "host:80",
        String(repeating: "a", count: 64) + ".com",
        Array(repeating: "abcdefghi", count: 26).joined(separator: "."),
    ])
    func rejectsAddresses(_ address: String) {
        let error = #expect(throws: BerthError.self) { try Rules.address(address, field: "address") }
        #expect(error?.field == "address")
        #expect(error?.argumentMessage?.contains("is not an IP address or hostname") == true)
    }

    @Test func longestHostnameIsAccepted() throws {
        // 4 labels of 63 + 3 dots = 255 bytes is too long; 253 is the limit.
        let label = String(repeating: "a", count: 63)
        let at253 = [label, label, label, String(repeating: "b", count: 61)].joined(separator: ".")
        #expect(at253.utf8.count == 253)
        try Rules.address(at253)
        #expect(throws: BerthError.self) { try Rules.address(at253 + "b") }
    }
}
