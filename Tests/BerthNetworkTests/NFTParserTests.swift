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

    /// What the node's sync reads (`HostNetworkExecutor.readObjects`): a terse table listing,
    /// whose sets have no elements, then each set on its own. Output of nftables 1.0.6.
    @Test func readsATerseTableAndSetsListedOneByOne() throws {
        let terse = Data(#"""
        {"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"table": {"family": "ip", "name": "berth", "handle": 1}}, {"set": {"family": "ip", "name": "cluster-nets", "table": "berth", "type": "ipv4_addr", "handle": 2, "flags": ["interval"]}}, {"map": {"family": "ip", "name": "host-ports", "table": "berth", "type": ["inet_proto", "inet_service"], "handle": 3, "map": "ipv4_addr . inet_service"}}, {"map": {"family": "ip", "name": "svc-ips", "table": "berth", "type": ["ipv4_addr", "inet_proto", "inet_service"], "handle": 6, "map": "verdict"}}, {"chain": {"family": "ip", "table": "berth", "name": "nat-prerouting", "handle": 1, "type": "nat", "hook": "prerouting", "prio": -100, "policy": "accept"}}, {"chain": {"family": "ip", "table": "berth", "name": "svc-nat-pre", "handle": 8}}, {"rule": {"family": "ip", "table": "berth", "chain": "nat-prerouting", "handle": 4, "comment": "berth:0123456789abcdef x", "expr": [{"accept": null}]}}, {"rule": {"family": "ip", "table": "berth", "chain": "svc-nat-pre", "handle": 9, "expr": [{"vmap": {"key": {"concat": [{"payload": {"protocol": "ip", "field": "daddr"}}, {"meta": {"key": "l4proto"}}, {"payload": {"protocol": "th", "field": "dport"}}]}, "data": "@svc-ips"}}]}}]}
        """#.utf8)
        let table = try #require(try NFTJSONParser.parse(terse, keeping: { !ServiceRules.owns($0) }))
        #expect(Set(table.sets.keys) == ["cluster-nets", "host-ports"] && Set(table.chains.keys) == ["nat-prerouting"])
        let noElements = table.sets.values.allSatisfy { $0.elements.isEmpty }
        #expect(noElements)
        #expect(table.chains["nat-prerouting"]?.rules.map(\.fingerprint) == ["0123456789abcdef"])

        let map = Data(#"""
        {"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"map": {"family": "ip", "name": "host-ports", "table": "berth", "type": ["inet_proto", "inet_service"], "handle": 3, "map": "ipv4_addr . inet_service", "elem": [[{"concat": ["tcp", 8080]}, {"concat": ["198.19.0.2", 80]}]]}}]}
        """#.utf8)
        let set = Data(#"""
        {"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"set": {"family": "ip", "name": "cluster-nets", "table": "berth", "type": "ipv4_addr", "handle": 2, "flags": ["interval"], "elem": [{"prefix": {"addr": "198.19.0.0", "len": 17}}]}}]}
        """#.utf8)
        let hostPorts = NFTSet(name: "host-ports", keyType: [.inetProto, .inetService], valueType: [.ipv4Address, .inetService],
                               elements: [NFTElement([.tcp, .port(8080)], [.address(IPv4Address("198.19.0.2")!), .port(80)])])
        #expect(try NFTJSONParser.parseSet(map) == hostPorts)
        #expect(try NFTJSONParser.parseSet(set) == NFTSet(name: "cluster-nets", keyType: [.ipv4Address], flags: [.interval],
                                                          elements: [NFTElement(.prefix(CIDR("198.19.0.0/17")!))]))
        #expect(try NFTJSONParser.parseSet(Data(#"{"nftables": [{"metainfo": {"version": "1.0.6"}}]}"#.utf8)) == nil)
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
