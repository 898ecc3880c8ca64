import BerthCore
@testable import BerthNetwork
import BerthTesting
import Foundation
import Testing

/// The byte-level JSON reader that `ServiceProxy.verify` reads listings with: the same values as
/// `JSONDecoder` on seeded documents and on real nft output, and errors (never a crash) on
/// broken or hostile input.
struct JSONBytesTests {
    @Test func readsTheNftFixtureLikeTheDecoderBasedParser() throws {
        let fixture = try NFTParserTests.fixture
        let fast = try ServiceRules.ownedPart(ofListing: fixture)
        let reference = ServiceRules.ownedPart(of: try NFTJSONParser.parse(fixture))
        #expect(fast == reference)
        #expect(fast?.chains["svc-dns"] != nil && fast?.sets["svc-vmap"]?.elements.count == 1)
        #expect(fast?.chains["nat-prerouting"] == nil, "the node's own objects are skipped")
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func seededDocumentsReadAsJSONDecoderReadsThem(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<50 {
            let text = Self.document(&rng, depth: 0)
            let reference = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            #expect(try JSONBytes.parse(Data(text.utf8)) == reference, "seed \(seed): \(text)")
        }
    }

    @Test(arguments: ["", "{", "[1,", "{\"a\" 1}", "[1 2]", "\"abc", "\"\\u12\"", "tru", "-", "[1]x", "{\"a\":}", String(repeating: "[", count: 10_000)])
    func brokenInputIsAnError(_ text: String) {
        #expect(throws: NFTError.self) { try JSONBytes.parse(Data(text.utf8)) }
    }

    /// A random JSON text: nested objects and arrays, escapes, non-ASCII, numbers of every shape.
    static func document(_ rng: inout SplitMix64, depth: Int) -> String {
        let pick = depth > 4 ? Int.random(in: 2..<7, using: &rng) : Int.random(in: 0..<7, using: &rng)
        let space = ["", " ", "\n  "].randomElement(using: &rng)!
        switch pick {
        case 0:
            // Keys are unique, as in nft's output (readers differ on duplicates).
            let members = (0..<Int.random(in: 0...4, using: &rng)).map { i in "\(space)\"k\(i)\(string(&rng).dropFirst())\(space):\(document(&rng, depth: depth + 1))" }
            return "{" + members.joined(separator: ",") + space + "}"
        case 1: return "[" + (0..<Int.random(in: 0...4, using: &rng)).map { _ in space + document(&rng, depth: depth + 1) }.joined(separator: ",") + "]"
        case 2: return string(&rng)
        case 3: return ["0", "-7", "42", "1.5", "-0.25", "1e3", "2.5E-2", "123456789012", "9007199254740993"].randomElement(using: &rng)!
        case 4: return Bool.random(using: &rng) ? "true" : "false"
        case 5: return "null"
        default: return "\(Int.random(in: -100_000...100_000, using: &rng))"
        }
    }

    static func string(_ rng: inout SplitMix64) -> String {
        let pieces = ["a", "svc-ips", "198.19.1.2", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\u00e9", "\\u4e2d", "é", "中", " "]
        return "\"" + (0..<Int.random(in: 0...5, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined() + "\""
    }
}
