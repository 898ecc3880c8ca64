import Testing
import BerthCore

@Suite struct IPv4AddressTests {
    static let quads: [(String, UInt32)] = [
        ("0.0.0.0", 0), ("10.88.0.1", 0x0A58_0001), ("192.168.1.254", 0xC0A8_01FE), ("255.255.255.255", .max),
    ]

    @Test(arguments: quads)
    func parsesDottedQuads(text: String, value: UInt32) throws {
        let address = try #require(IPv4Address(text))
        #expect(address.value == value)
        #expect(address.description == text)
    }

    @Test(arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "01.2.3.4", "1.2.3.00", "1..3.4", "1.2.3.4 ", " 1.2.3.4",
        "a.b.c.d", "1.2.3.-4", "+1.2.3.4", "1.+2.3.4", "1.2.3.4/24", "1000.2.3.4", "١.2.3.4",
    ])
    func rejectsMalformedAddresses(_ text: String) {
        #expect(IPv4Address(text) == nil)
    }

    @Test func ordersNumerically() throws {
        let a = try #require(IPv4Address("10.0.0.9"))
        let b = try #require(IPv4Address("10.0.0.10"))
        #expect(a < b)
        #expect(IPv4Address(0x0A00_000A) == b)
    }
}

@Suite struct CIDRTests {
    static let networks: [(String, String, Int, UInt64)] = [
        ("10.88.0.0/16", "10.88.0.0", 16, 65536),
        ("10.96.0.0/12", "10.96.0.0", 12, UInt64(1) << 20),
        ("0.0.0.0/0", "0.0.0.0", 0, UInt64(1) << 32),
        ("192.168.1.7/32", "192.168.1.7", 32, UInt64(1)),
        ("192.168.1.0/24", "192.168.1.0", 24, 256),
    ]

    @Test(arguments: networks)
    func parses(text: String, network: String, prefix: Int, size: UInt64) throws {
        let cidr = try #require(CIDR(text))
        #expect(cidr.network.description == network)
        #expect(cidr.prefix == prefix)
        #expect(cidr.size == size)
        #expect(cidr.description == text)
    }

    @Test(arguments: [
        "10.88.0.1/16",   // host bits set
        "10.88.1.0/16",   // host bits set
        "192.168.1.1/24", // host bits set
        "10.88.0.0/33", "10.88.0.0/-1", "10.88.0.0/", "10.88.0.0", "/16", "10.88.0.0/16/2", "10.88.0/16",
        "10.88.0.0/ 16", "10.88.0.0/16 ", "10.88.0.0/+16", "0.0.0.0/-0", "10.88.0.0/1a", "10.88.0.0/١٦", "",
    ])
    func rejects(_ text: String) {
        #expect(CIDR(text) == nil)
    }

    @Test func initMasksHostBits() throws {
        let cidr = CIDR(network: try #require(IPv4Address("10.88.7.9")), prefix: 16)
        #expect(cidr.description == "10.88.0.0/16")
    }

    @Test func containsAndOverlaps() throws {
        let cluster = try #require(CIDR("10.88.0.0/16"))
        #expect(cluster.contains(try #require(IPv4Address("10.88.255.255"))))
        #expect(!cluster.contains(try #require(IPv4Address("10.89.0.0"))))
        #expect(cluster.overlaps(try #require(CIDR("10.88.4.0/24"))))
        #expect(try #require(CIDR("10.88.4.0/24")).overlaps(cluster))
        #expect(cluster.overlaps(try #require(CIDR("10.0.0.0/8"))))
        #expect(!cluster.overlaps(try #require(CIDR("10.96.0.0/16"))))
    }

    @Test func carvesNodeSubnets() throws {
        let cluster = try #require(CIDR("10.88.0.0/16"))
        #expect(cluster.subnetCount(prefix: 24) == 256)
        #expect(cluster.subnetCount(prefix: 16) == 1)
        #expect(cluster.subnetCount(prefix: 15) == 0)
        #expect(cluster.subnet(0, prefix: 24)?.description == "10.88.0.0/24")
        #expect(cluster.subnet(1, prefix: 24)?.description == "10.88.1.0/24")
        #expect(cluster.subnet(255, prefix: 24)?.description == "10.88.255.0/24")
        #expect(cluster.subnet(256, prefix: 24) == nil)
        #expect(cluster.subnet(-1, prefix: 24) == nil)
        #expect(cluster.subnet(0, prefix: 15) == nil)
        #expect(cluster.subnet(0, prefix: 33) == nil)
        #expect(cluster.subnet(0, prefix: 16) == cluster)

        let node = try #require(CIDR("10.88.3.0/24"))
        let quarters = (0..<node.subnetCount(prefix: 26)).compactMap { node.subnet($0, prefix: 26)?.description }
        #expect(quarters == ["10.88.3.0/26", "10.88.3.64/26", "10.88.3.128/26", "10.88.3.192/26"])

        // Every /24 is distinct, inside the cluster, and none overlaps the next.
        let all = (0..<256).compactMap { cluster.subnet($0, prefix: 24) }
        #expect(Set(all).count == 256)
        #expect(all.allSatisfy { cluster.contains($0.network) })
        #expect(zip(all, all.dropFirst()).allSatisfy { !$0.overlaps($1) })
    }

    @Test func assignableHosts() throws {
        let c24 = try #require(CIDR("10.88.1.0/24"))
        #expect(c24.assignableHosts(reserveGateway: false).map { "\(IPv4Address($0.lowerBound))-\(IPv4Address($0.upperBound))" } == "10.88.1.1-10.88.1.254")
        #expect(c24.assignableHosts(reserveGateway: true).map { "\(IPv4Address($0.lowerBound))-\(IPv4Address($0.upperBound))" } == "10.88.1.2-10.88.1.254")

        let c30 = try #require(CIDR("10.0.0.4/30"))
        #expect(c30.assignableHosts(reserveGateway: false) == 0x0A00_0005...0x0A00_0006)
        #expect(c30.assignableHosts(reserveGateway: true) == 0x0A00_0006...0x0A00_0006)

        let c31 = try #require(CIDR("10.0.0.4/31"))
        #expect(c31.assignableHosts(reserveGateway: true) == 0x0A00_0004...0x0A00_0005)
        let c32 = try #require(CIDR("10.0.0.4/32"))
        #expect(c32.assignableHosts(reserveGateway: false) == 0x0A00_0004...0x0A00_0004)
    }

    @Test func firstFree() throws {
        let node = try #require(CIDR("10.88.1.0/24"))
        func ip(_ text: String) throws -> UInt32 { try #require(IPv4Address(text)).value }

        #expect(node.firstFree(excluding: [], reserveGateway: true)?.description == "10.88.1.2")
        #expect(node.firstFree(excluding: [], reserveGateway: false)?.description == "10.88.1.1")
        #expect(node.firstFree(excluding: [try ip("10.88.1.2"), try ip("10.88.1.3")], reserveGateway: true)?.description == "10.88.1.4")
        // A hole is filled before the end is extended.
        #expect(node.firstFree(excluding: [try ip("10.88.1.2"), try ip("10.88.1.4")], reserveGateway: true)?.description == "10.88.1.3")
        // Addresses outside the network do not matter.
        #expect(node.firstFree(excluding: [try ip("10.88.2.2")], reserveGateway: true)?.description == "10.88.1.2")

        let everyHost = Set((2...254).map { 0x0A58_0100 + UInt32($0) })
        #expect(node.firstFree(excluding: everyHost, reserveGateway: true) == nil)
        #expect(node.firstFree(excluding: everyHost, reserveGateway: false)?.description == "10.88.1.1")
        #expect(node.firstFree(excluding: everyHost.subtracting([0x0A58_01FE]), reserveGateway: true)?.description == "10.88.1.254")

        let tiny = try #require(CIDR("10.0.0.4/30"))
        #expect(tiny.firstFree(excluding: [], reserveGateway: true)?.description == "10.0.0.6")
        #expect(tiny.firstFree(excluding: [0x0A00_0006], reserveGateway: true) == nil)
    }
}
