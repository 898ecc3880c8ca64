import BerthCore
import BerthTesting
import Foundation
import Testing

/// The hand-written node codecs agree with Foundation's: the same bytes out, the same values in,
/// and anything the plain reader does not take is left to JSONDecoder (nil), never misread.
@Suite struct NodeJSONTests {
    static func encoded(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static let nodes: [Node] = [
        Node(name: "n1", address: "192.0.2.10", capacity: Resources(cpu: 4000, memory: 8192)),
        Node(
            name: "edge-7", address: "10.0.0.1", labels: ["zone": "a", "Zone": "B", "disk": "ssd", "x.y/z": "v_2", "a10": "1", "a9": "2"],
            capacity: Resources(cpu: 1, memory: 16_777_216), allocated: Resources(cpu: 250, memory: 128), availability: .drain,
            status: .down, subnet: "10.88.3.0/24", lastHeartbeat: Date(timeIntervalSince1970: 1_764_000_000.75),
            vtepMAC: "02:42:ac:11:00:02", createIndex: 3, modifyIndex: UInt64.max
        ),
        Node(
            name: "odd", address: "quote\" back\\slash /slash tab\t nl\n bell\u{7} bs\u{8} ff\u{c} é ✓", labels: ["k": "v\"w"],
            capacity: Resources(cpu: -1, memory: 0), availability: .pause, lastHeartbeat: Date(timeIntervalSince1970: 0),
            vtepMAC: "not\"a mac\\"
        ),
    ]

    @Test(arguments: nodes)
    func nodeTextIsWhatJSONEncoderWrites(_ node: Node) throws {
        #expect(node.jsonText == (try Self.encoded(node)))
    }

    static let plainSpecs: [String] = [
        #"{"address":"192.0.2.10","capacity":{"cpu":4000,"memory":8192}}"#,
        #"{"address":"192.0.2.10","labels":{"zone":"a","disk":"ssd"},"capacity":{"cpu":4000,"memory":8192},"availability":"drain"}"#,
        " \n{ \"availability\" : \"pause\" ,\t\"capacity\":{ \"memory\" : 1 , \"cpu\" : -0 } , \"labels\" : { } , \"address\":\"\" }\r\n",
        #"{"address":"a","capacity":{"cpu":-9223372036854775808,"memory":9223372036854775807}}"#,
        // What every agent sends: read here, not by JSONDecoder.
        #"{"address":"198.18.0.2","capacity":{"cpu":4000,"memory":8192},"vtepMAC":"02:42:ac:11:00:02"}"#,
        #"{"vtepMAC":"","address":"a","capacity":{"cpu":1,"memory":1}}"#,
    ]

    @Test(arguments: plainSpecs)
    func plainSpecsReadAsJSONDecoderReadsThem(_ text: String) throws {
        let plain = try #require(NodeSpec(plainJSON: Array(text.utf8)))
        #expect(plain == (try JSONDecoder().decode(NodeSpec.self, from: Data(text.utf8))))
    }

    /// Valid or not, each of these is JSONDecoder's to judge: escapes, nulls, fractions,
    /// exponents, leading zeros, overflow, repeated or unknown keys, bad values, trailing text.
    static let leftToJSONDecoder: [String] = [
        #"{"address":"a\u0041","capacity":{"cpu":1,"memory":1}}"#,
        #"{"address":"é","capacity":{"cpu":1,"memory":1}}"#,
        #"{"address":"a","labels":null,"capacity":{"cpu":1,"memory":1}}"#,
        #"{"address":"a","capacity":{"cpu":1.0,"memory":1}}"#,
        #"{"address":"a","capacity":{"cpu":1e3,"memory":1}}"#,
        #"{"address":"a","capacity":{"cpu":01,"memory":1}}"#,
        #"{"address":"a","capacity":{"cpu":+1,"memory":1}}"#,
        #"{"address":"a","capacity":{"cpu":9223372036854775808,"memory":1}}"#,
        #"{"address":"a","address":"b","capacity":{"cpu":1,"memory":1}}"#,
        #"{"address":"a","capacity":{"cpu":1,"memory":1,"gpu":1}}"#,
        #"{"address":"a","capacity":{"cpu":1,"memory":1},"extra":true}"#,
        #"{"address":"a","capacity":{"cpu":1,"memory":1},"availability":"gone"}"#,
        #"{"address":"a","capacity":{"cpu":"1","memory":1}}"#,
        #"{"address":"a","capacity":{"cpu":1,"memory":1},"vtepMAC":null}"#,
        #"{"address":"a","capacity":{"cpu":1,"memory":1},"vtepMAC":2}"#,
        #"{"address":"a","capacity":{"cpu":1,"memory":1},"vtepMAC":"02:42:ac:11:00:02","vtepMAC":"02:42:ac:11:00:04"}"#,
        #"{"address":"a","capacity":{"cpu":1,"memory":1},"vtepMac":"02:42:ac:11:00:02"}"#,
        #"{"address":1,"capacity":{"cpu":1,"memory":1}}"#,
        #"{"address":"a","capacity":{"cpu":1}}"#,
        #"{"capacity":{"cpu":1,"memory":1}}"#,
        #"{"address":"a","capacity":{"cpu":1,"memory":1}} x"#,
        #"{"address":"a","capacity":{"cpu":1,"memory":1},}"#,
        #"{"address":"a","capacity":{"cpu":1,"memory":1}"#,
        #"{"address":"a" "capacity":{"cpu":1,"memory":1}}"#,
        #"{"address":"a","labels":{"k":1},"capacity":{"cpu":1,"memory":1}}"#,
        #"[{"address":"a","capacity":{"cpu":1,"memory":1}}]"#,
        "{\"address\":\"a\tb\",\"capacity\":{\"cpu\":1,\"memory\":1}}",
        "", "{", "null",
    ]

    @Test(arguments: leftToJSONDecoder)
    func anythingElseIsLeftToJSONDecoder(_ text: String) {
        #expect(NodeSpec(plainJSON: Array(text.utf8)) == nil)
    }

    @Test(arguments: TestSeeds.or([1, 2, 3, 4, 5]))
    func randomSpecsRoundTripThroughTheEncoder(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let alphabet = Array("abcxyzABC019-_./")
        func word() -> String { String((0..<Int.random(in: 0...12, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }) }
        for _ in 0..<100 {
            let spec = NodeSpec(
                address: word(), labels: Dictionary((0..<Int.random(in: 0...6, using: &rng)).map { _ in (word(), word()) }, uniquingKeysWith: { a, _ in a }),
                capacity: Resources(cpu: Int.random(in: Int.min...Int.max, using: &rng), memory: Int.random(in: -5...5, using: &rng)),
                availability: Availability.allCases.randomElement(using: &rng)!,
                vtepMAC: Bool.random(using: &rng) ? nil : word()
            )
            let text = try Self.encoded(spec)
            #expect(NodeSpec(plainJSON: Array(text.utf8)) == spec, "\(text)")
        }
    }
}
