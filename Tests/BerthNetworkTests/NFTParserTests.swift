import BerthCore
@testable import BerthNetwork
import Foundation
import Testing

/// Reading `nft -j list table` (output captured from nftables 1.0.6) into the model.
struct NFTParserTests {
    static var fixture: Data {
        get throws { try Data(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/nft-list-table.json")) }
    }

    @Test func readsChainsSetsMapsAndElements() throws {
        let table = try #require(try NFTJSONParser.parse(try Self.fixture))
        #expect(table.qualifiedName == "ip berth")
        #expect(Set(table.chains.keys) == ["svc-dns", "nat-prerouting", "nat-output", "nat-postrouting", "filter-forward"])
        #expect(table.chains["nat-prerouting"]?.base == NFTBaseChain(.nat, hook: .prerouting, priority: -100))
        #expect(table.chains["filter-forward"]?.base?.policy == .drop)
        #expect(table.chains["svc-dns"]?.base == nil)
        #expect(table.chains["nat-postrouting"]?.rules.count == 2)
        #expect(table.sets["host-ports"]?.elements == [NFTElement([.tcp, .port(8080)], [.address(IPv4Address("10.88.3.2")!), .port(80)])])
        #expect(table.sets["allow-x"]?.flags == [.interval])
        #expect(table.sets["allow-x"]?.elements == [NFTElement(.address(IPv4Address("1.2.3.4")!)), NFTElement(.prefix(CIDR("10.0.0.0/8")!))])
        #expect(table.sets["svc-vmap"]?.elements == [NFTElement([.address(IPv4Address("10.96.0.10")!), .tcp, .port(53)], [.verdict(.goto("svc-dns"))])])
    }

    @Test func ruleFingerprintsComeFromComments() {
        let rule = NFTRule("ip saddr @nets masquerade", comment: "egress")
        let observed = NFTRule(observedComment: rule.storedComment, handle: 7)
        #expect(observed.fingerprint == rule.fingerprint)
        #expect(observed.comment == "egress")
        #expect(NFTRule(observedComment: "hostports", handle: 7).fingerprint == "foreign-7")
        #expect(NFTRule(observedComment: nil, handle: 9).fingerprint != rule.fingerprint)
    }

    @Test func rejectsWhatIsNotNftJSON() {
        #expect(throws: NFTError.self) { try NFTJSONParser.parse(Data("[1,2]".utf8)) }
        #expect(throws: NFTError.self) { try NFTJSONParser.parse(Data(#"{"nftables":[{"set":{"name":"x","type":"ipv4_addr"}}]}"#.utf8)) }
    }
}
