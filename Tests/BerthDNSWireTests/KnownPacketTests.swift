import Testing
import BerthDNSWire

/// Packets made by other software, byte for byte.
///
/// Queries: captured from `dig` 9.18.49 (Debian 12) sent to a Python UDP listener on 127.0.0.1 in
/// a private network namespace (`unshare -n`), printed as hex. Responses: built with dnspython
/// 2.9.2 (`dns.message.make_response`, `to_wire()`), an independent encoder with its own name
/// compression. The commands are given with each fixture.
struct KnownPacketTests {
    /// `dig @127.0.0.1 -p 5300 web.service.berth A` (RD, AD, EDNS 1232, a COOKIE option).
    static let digA = hex("62ee01200001000000000001037765620773657276696365056265727468000001000100002904d000000000000c000a00080b12ce3e18563dd4")
    /// `dig +noedns WEB.Service.berth AAAA`
    static let digAAAANoEDNS = hex("70270120000100000000000003574542075365727669636505626572746800001c0001")
    /// `dig +dnssec +bufsize=4096 _http._tcp.web.service.berth SRV` (DO set)
    static let digSRVDnssec = hex("99f701200001000000000001055f68747470045f7463700377656207736572766963650562657274680000210001000029100000008000000c000a000843bb4ca169e7f8d4")
    /// `dig +nocookie +norecurse x.container.berth A`
    static let digNoRecurse = hex("41c300200001000000000001017809636f6e7461696e6572056265727468000001000100002904d0000000000000")

    @Test func digQueries() throws {
        let a = try DNSQuery.parse(Self.digA)
        #expect(a.id == 0x62EE && a.header.recursionDesired && a.header.authenticData)
        #expect(a.name == name("web.service.berth") && a.type == .a && a.dnsClass == .internet)
        #expect(a.edns?.udpPayloadSize == 1232 && a.edns?.dnssecOK == false)
        #expect(a.edns?.options == [DNSEDNS.Option(code: 10, data: hex("0b12ce3e18563dd4"))])
        #expect(a.udpResponseLimit == 1232)

        let aaaa = try DNSQuery.parse(Self.digAAAANoEDNS)
        #expect(aaaa.name.hasSameSpelling(as: name("web.service.berth")))  // lowercased for lookup
        #expect(aaaa.questionBytes == wire("WEB.Service.berth") + u16(28) + u16(1))  // the client's spelling
        #expect(aaaa.edns == nil && aaaa.udpResponseLimit == 512)

        let srv = try DNSQuery.parse(Self.digSRVDnssec)
        #expect(srv.type == .srv && srv.edns?.dnssecOK == true && srv.edns?.udpPayloadSize == 4096)
        #expect(srv.udpResponseLimit == 1232)

        let norecurse = try DNSQuery.parse(Self.digNoRecurse)
        #expect(!norecurse.header.recursionDesired && norecurse.edns?.options == [])

        // The full parser reads the same.
        for bytes in [Self.digA, Self.digAAAANoEDNS, Self.digSRVDnssec, Self.digNoRecurse] {
            let message = try DNSMessage(parsing: bytes)
            let query = try DNSQuery.parse(bytes)
            #expect(message.questions == [query.question])
            #expect(message.edns == query.edns)
            #expect(try message.encode() == bytes)  // nothing to compress: bytes come back unchanged
        }
    }

    /// dnspython: response to web.service.berth A, AA, two A records, EDNS 1232.
    static let pyA = hex("1234850000010002000000010377656207736572766963650562657274680000010001c00c000100010000001e0004c612000bc00c000100010000001e0004c612000a00002904d0000000000000")
    /// dnspython: SRV answer (targets uncompressed), NS authority, A and AAAA additional.
    static let pySRV = hex("""
        beef85000001000200010002055f68747470045f7463700377656207736572766963650562657274680000210001c00c002100010000001e001a0000000a1f9002633209636f6e7461696e657205626572746800c00c002100010000001e001a0000000a1f9002633109636f6e7461696e657205626572746800c0230002000100000e100006036e7331c02302633109636f6e7461696e6572c023000100010000001e0004c6120102026332c08f001c00010000001e001020010db8000000000000000000000002
        """)
    /// dnspython: NXDOMAIN for nope.service.berth with the zone's SOA.
    static let pyNX = hex("000785030001000000010000046e6f706507736572766963650562657274680000010001c019000600010000003c0027036e7331c0190a686f73746d6173746572c01978c407e900000e1000000258000151800000001e")
    /// dnspython: CNAME, TXT, PTR and MX in one answer.
    static let pyMixed = hex("00098100000100040000000005616c6961730562657274680000050001c00c0005000100000005000e037765620773657276696365c012c029001000010000000500100b68656c6c6f20776f726c6403763d3102313001300231380331393807696e2d61646472046172706100000c0001000000050002c029c012000f0001000000050009000a046d61696cc012")

    @Test func dnspythonResponses() throws {
        let a = try DNSMessage(parsing: Self.pyA)
        #expect(a.header.isResponse && a.header.isAuthoritative && a.header.recursionDesired && a.rcode == .noError)
        #expect(Set(a.answers.map(\.data)) == [.a(DNSIPv4Address(198, 18, 0, 10)), .a(DNSIPv4Address(198, 18, 0, 11))])
        #expect(a.answers.allSatisfy { $0.name == name("web.service.berth") && $0.ttl == 30 })
        #expect(a.edns?.udpPayloadSize == 1232)

        let srv = try DNSMessage(parsing: Self.pySRV)
        #expect(srv.answers.count == 2 && srv.authority.count == 1 && srv.additional.count == 2 && srv.edns == nil)
        #expect(srv.answers.contains { $0.data == .srv(DNSSRV(priority: 0, weight: 10, port: 8080, target: name("c1.container.berth"))) })
        #expect(srv.authority[0].data == .ns(name("ns1.berth")))
        #expect(srv.additional[1].name == name("c2.container.berth"))
        #expect(srv.additional[1].data == .aaaa(DNSIPv6Address(bytes: hex("20010db8000000000000000000000002"))!))

        let nx = try DNSMessage(parsing: Self.pyNX)
        #expect(nx.rcode == .nameError && nx.answers.isEmpty)
        #expect(nx.authority == [DNSRecord(name: name("berth"), ttl: 60, data: .soa(DNSSOA(
            primary: name("ns1.berth"), mailbox: name("hostmaster.berth"), serial: 2026113001,
            refresh: 3600, retry: 600, expire: 86400, minimum: 30)))])

        let mixed = try DNSMessage(parsing: Self.pyMixed)
        #expect(mixed.answers.map(\.data) == [
            .cname(name("web.service.berth")), .txt(strings: ["hello world", "v=1"]), .ptr(name("web.service.berth")),
            .mx(preference: 10, exchange: name("mail.berth")),
        ])
        #expect(mixed.answers[2].name == name("10.0.18.198.in-addr.arpa"))
    }

    /// Where both compress the same way (longest earlier suffix), the bytes must be identical.
    @Test(arguments: [pyA, pyNX, pyMixed])
    func reencodesLikeDnspython(bytes: [UInt8]) throws {
        let message = try DNSMessage(parsing: bytes)
        let encoded = try message.encode()
        #expect(try DNSMessage(parsing: encoded) == message)
        #expect(encoded == bytes)
    }

    /// dnspython never points at a name inside SRV RDATA; Berth does (the target itself stays
    /// uncompressed, as RFC 2782 asks), so the additional records' owners become bare pointers.
    @Test func srvTargetsAreCompressionTargets() throws {
        let message = try DNSMessage(parsing: Self.pySRV)
        let encoded = try message.encode()
        #expect(try DNSMessage(parsing: encoded) == message)
        // "c1.container" + pointer (15 bytes) and "c2" + pointer (5) become 2-byte pointers.
        #expect(encoded.count == Self.pySRV.count - (15 - 2) - (5 - 2))
        #expect(Array(encoded[0..<140]) == Array(Self.pySRV[0..<140]))  // through the NS record
        #expect(Array(encoded[140...141]) == [0xC0, 0x66])  // c1.container.berth in the second SRV
    }

    /// RFC 1035 4.1.4's example: F.ISI.ARPA, then FOO.F.ISI.ARPA as FOO + pointer, ARPA as a bare
    /// pointer, and the root as one zero byte.
    @Test func rfc1035CompressionExample() throws {
        let message = DNSMessage(
            header: DNSHeader(id: 0),
            questions: [DNSQuestion(name: name("F.ISI.ARPA"), type: .a)],
            answers: [
                DNSRecord(name: name("FOO.F.ISI.ARPA"), ttl: 0, data: .a(DNSIPv4Address(rawValue: 0))),
                DNSRecord(name: name("ARPA"), ttl: 0, data: .a(DNSIPv4Address(rawValue: 0))),
                DNSRecord(name: .root, ttl: 0, data: .a(DNSIPv4Address(rawValue: 0))),
            ])
        let bytes = try message.encode()
        let fixed = u16(1) + u16(1) + u32(0) + u16(4) + u32(0)
        let expected = header(id: 0, flags: 0, qd: 1, an: 3)
            + [1, 0x46, 3, 0x49, 0x53, 0x49, 4, 0x41, 0x52, 0x50, 0x41, 0] + u16(1) + u16(1)
            + [3, 0x46, 0x4F, 0x4F, 0xC0, 12] + fixed  // FOO + pointer to F.ISI.ARPA at 12
            + [0xC0, 18] + fixed  // pointer to ARPA at 12 + 6
            + [0] + fixed  // the root
        #expect(bytes == expected)
        #expect(try DNSMessage(parsing: bytes) == message)
    }
}
