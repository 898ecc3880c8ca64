import BerthCore
@testable import BerthNetwork
import BerthTesting
import Testing

/// The nftables diff: what each kind of change turns into, and (seeded) that applying the diff to
/// a model kernel always reaches the desired table, with nothing left to do afterwards.
struct NFTDiffTests {
    static func sample(ports: [UInt16] = [8080], masqueradeComment: String? = nil, extraChain: Bool = false, policy: NFTBaseChain.Policy = .accept) -> NFTTable {
        var chains = [
            NFTChain(name: "nat-post", base: NFTBaseChain(.nat, hook: .postrouting, priority: 100, policy: policy),
                     rules: [NFTRule("ip saddr @cluster-nets ip daddr != @cluster-nets masquerade", comment: masqueradeComment)]),
            NFTChain(name: "svc-a", rules: [NFTRule("ip protocol tcp accept")]),
        ]
        if extraChain { chains.append(NFTChain(name: "svc-b", rules: [NFTRule("drop")])) }
        return NFTTable(name: "berth", chains: chains, sets: [
            NFTSet(name: "cluster-nets", keyType: [.ipv4Address], flags: [.interval], elements: [NFTElement(.prefix(CIDR("198.19.0.0/17")!))]),
            NFTSet(name: "host-ports", keyType: [.inetProto, .inetService], valueType: [.ipv4Address, .inetService],
                   elements: Set(ports.map { NFTElement([.tcp, .port($0)], [.address(IPv4Address("198.19.1.2")!), .port(80)]) })),
        ])
    }

    /// What the kernel would report after `table` was applied.
    static func observed(_ table: NFTTable) -> NFTTable { NFTTable(observedFrom: table) }

    @Test func firstSyncCreatesTheTable() {
        let t = NFTDiff.transaction(desired: Self.sample(), observed: nil)
        #expect(t.commands.first == "add table ip berth")
        #expect(t.commands.contains("add chain ip berth nat-post { type nat hook postrouting priority 100; policy accept; }"))
        #expect(t.commands.contains("add map ip berth host-ports { type inet_proto . inet_service : ipv4_addr . inet_service; }"))
        #expect(t.commands.contains("add element ip berth host-ports { tcp . 8080 : 198.19.1.2 . 80 }"))
        #expect(t.commands.last?.hasPrefix("add rule ip berth svc-a ip protocol tcp accept comment \"berth:") == true)
    }

    @Test func sameTableGivesNothing() {
        #expect(NFTDiff.transaction(desired: Self.sample(), observed: Self.observed(Self.sample())).isEmpty)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var desired: NFTTable
        var observed: NFTTable
        var expected: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "a port added and one removed: elements only", desired: sample(ports: [8081]), observed: observed(sample(ports: [8080])),
             expected: ["delete element ip berth host-ports { tcp . 8080 }", "add element ip berth host-ports { tcp . 8081 : 198.19.1.2 . 80 }"]),
        Case(name: "a rule changed: that chain flushed and refilled", desired: sample(masqueradeComment: "egress"), observed: observed(sample()),
             expected: ["flush chain ip berth nat-post",
                        "add rule ip berth nat-post ip saddr @cluster-nets ip daddr != @cluster-nets masquerade comment \"berth:\(NFTRule("ip saddr @cluster-nets ip daddr != @cluster-nets masquerade", comment: "egress").fingerprint) egress\""]),
        Case(name: "a chain gone: flushed and deleted", desired: sample(), observed: observed(sample(extraChain: true)),
             expected: ["flush chain ip berth svc-b", "delete chain ip berth svc-b"]),
        Case(name: "a chain added", desired: sample(extraChain: true), observed: observed(sample()),
             expected: ["add chain ip berth svc-b", "add rule ip berth svc-b drop comment \"berth:\(NFTRule("drop").fingerprint)\""]),
        Case(name: "a policy changed: set in place", desired: sample(policy: .drop), observed: observed(sample()),
             expected: ["add chain ip berth nat-post { type nat hook postrouting priority 100; policy drop; }"]),
    ]

    @Test(arguments: cases)
    func diff(_ c: Case) throws {
        let t = NFTDiff.transaction(desired: c.desired, observed: c.observed)
        #expect(t.commands == c.expected)
        var kernel = NFTKernelModel(table: c.observed, ruleTexts: Self.texts(c.observed, like: c.desired))
        try kernel.apply(t)
        #expect(NFTDiff.transaction(desired: c.desired, observed: kernel.table).isEmpty)
    }

    @Test func mapValueChangeIsDeleteThenAdd() {
        var desired = Self.sample()
        desired.sets["host-ports"]!.elements = [NFTElement([.tcp, .port(8080)], [.address(IPv4Address("198.19.1.3")!), .port(80)])]
        let t = NFTDiff.transaction(desired: desired, observed: Self.observed(Self.sample()))
        #expect(t.commands == ["delete element ip berth host-ports { tcp . 8080 }", "add element ip berth host-ports { tcp . 8080 : 198.19.1.3 . 80 }"])
    }

    @Test func redefinedSetFlushesItsUsersFirst() throws {
        var desired = Self.sample()
        desired.sets["cluster-nets"]!.flags = []
        desired.sets["cluster-nets"]!.elements = [NFTElement(.address(IPv4Address("198.19.0.1")!))]
        let observed = Self.observed(Self.sample())
        let t = NFTDiff.transaction(desired: desired, observed: observed)
        let flush = try #require(t.commands.firstIndex(of: "flush chain ip berth nat-post"))
        let delete = try #require(t.commands.firstIndex(of: "delete set ip berth cluster-nets"))
        #expect(flush < delete)
        var kernel = NFTKernelModel(table: observed, ruleTexts: Self.texts(observed, like: Self.sample()))
        try kernel.apply(t)
        #expect(NFTDiff.transaction(desired: desired, observed: kernel.table).isEmpty)
    }

    @Test func badNamesAreRejected() {
        let table = NFTTable(name: "berth", chains: [NFTChain(name: "fwd")])
        #expect(throws: NFTError.self) { try table.validate() }
        #expect(throws: Never.self) { try Self.sample().validate() }
    }

    /// Rule texts of an observed table, taken from the desired table it was made from.
    static func texts(_ observed: NFTTable, like desired: NFTTable) -> [String: [String]] {
        observed.chains.mapValues { chain in (desired.chains[chain.name]?.rules ?? []).compactMap(\.text) }
    }

    // MARK: Seeded random tables

    @Test(arguments: 0..<300)
    func randomTablesConverge(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed) &* 0x9e37_79b9)
        var kernel = NFTKernelModel()
        // Three desired tables in a row from the same kernel: create, change, change again.
        for step in 0..<3 {
            let desired = RandomTable.make(&rng)
            try desired.validate()
            let t = NFTDiff.transaction(desired: desired, observed: kernel.table)
            do { try kernel.apply(t) } catch {
                Issue.record("seed \(seed) step \(step): \(error)\n\(t.text)")
                return
            }
            let again = NFTDiff.transaction(desired: desired, observed: kernel.table)
            #expect(again.isEmpty, "seed \(seed) step \(step): second diff \(again.commands)")
        }
    }
}

/// Random but valid tables: chains that jump only to chains that exist, rules that use only sets
/// that exist, verdict maps that point at existing regular chains.
enum RandomTable {
    static func make(_ rng: inout SplitMix64) -> NFTTable {
        var chains: [NFTChain] = []
        let regular = ["svc-a", "svc-b", "svc-c"].filter { _ in Bool.random(using: &rng) }
        var sets: [NFTSet] = []
        if Bool.random(using: &rng) {
            let interval = Bool.random(using: &rng)
            let elements = (0..<Int.random(in: 0...5, using: &rng)).map { _ -> NFTElement in
                let a = IPv4Address(0xc613_0000 | UInt32.random(in: 0...0x7f, using: &rng) << 8)
                return interval && Bool.random(using: &rng) ? NFTElement(.prefix(CIDR(network: a, prefix: 24))) : NFTElement(.address(a))
            }
            sets.append(NFTSet(name: "src-ips", keyType: [.ipv4Address], flags: interval ? [.interval] : [], elements: Set(elements)))
        }
        if Bool.random(using: &rng) {
            var byKey: [[NFTValue]: NFTElement] = [:]  // a map holds one value per key
            for _ in 0..<Int.random(in: 0...6, using: &rng) {
                let element = NFTElement([Bool.random(using: &rng) ? .tcp : .udp, .port(UInt16.random(in: 1...20, using: &rng))],
                                         [.address(IPv4Address(0xc613_0100 + UInt32.random(in: 2...4, using: &rng))), .port(80)])
                byKey[element.key] = element
            }
            sets.append(NFTSet(name: "host-ports", keyType: [.inetProto, .inetService], valueType: [.ipv4Address, .inetService], elements: Set(byKey.values)))
        }
        if !regular.isEmpty && Bool.random(using: &rng) {
            let elements = (0..<Int.random(in: 0...4, using: &rng)).map { i in
                NFTElement([.address(IPv4Address(0xc613_8000 + UInt32(i))), .tcp, .port(80)], [.verdict(.goto(regular.randomElement(using: &rng)!))])
            }
            sets.append(NFTSet(name: "svc-vmap", keyType: [.ipv4Address, .inetProto, .inetService], valueType: [.verdict], elements: Set(elements)))
        }
        func rules() -> [NFTRule] {
            var pool = ["ip protocol tcp accept", "ct state established,related accept", "counter", "drop"]
            if sets.contains(where: { $0.name == "src-ips" }) { pool.append("ip saddr @src-ips accept") }
            if sets.contains(where: { $0.name == "svc-vmap" }) { pool.append("ip daddr . meta l4proto . th dport vmap @svc-vmap") }
            pool += regular.map { "jump \($0)" }
            return (0..<Int.random(in: 0...3, using: &rng)).map { _ in NFTRule(pool.randomElement(using: &rng)!) }
        }
        for name in regular { chains.append(NFTChain(name: name, rules: rules().filter { !$0.text!.hasPrefix("jump") })) }
        if Bool.random(using: &rng) {
            chains.append(NFTChain(name: "filter-forward", base: NFTBaseChain(.filter, hook: .forward, priority: [0, 10].randomElement(using: &rng)!,
                                                                               policy: Bool.random(using: &rng) ? .accept : .drop), rules: rules()))
        }
        return NFTTable(name: "berth", chains: chains, sets: sets)
    }
}
