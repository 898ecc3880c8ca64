import BerthCore
import BerthDNS
import BerthDNSWire
import Testing

/// The zone as a pure function: a state and a question in, an answer out.
struct ZoneTests {
    /// A record as one line: "owner TYPE data".
    static func text(_ record: DNSRecord) -> String {
        let data: String = switch record.data {
        case .a(let ip): "\(ip)"
        case .srv(let srv): "\(srv.priority) \(srv.weight) \(srv.port) \(srv.target)"
        case .ns(let name): "\(name)"
        case .soa(let soa): "\(soa.primary) \(soa.mailbox) \(soa.serial) \(soa.minimum)"
        case .unknown(_, let bytes): "\(bytes.count)"
        default: "?"
        }
        return "\(record.name) \(record.type) \(data)"
    }

    static let soa = "berth. SOA ns.berth. hostmaster.berth. 42 5"

    @Test(arguments: [
        // The apex and the nameserver.
        ("berth.", DNSType.soa, DNSRCode.noError, [soa], [String](), [String]()),
        ("berth.", .ns, .noError, ["berth. NS ns.berth."], [], ["ns.berth. A 127.0.0.1"]),
        ("ns.berth.", .a, .noError, ["ns.berth. A 127.0.0.1"], [], []),
        // A VIP service: A is the VIP, SRV every target with its port, A records in additional.
        ("web.service.berth.", .a, .noError, ["web.service.berth. A 10.96.0.1"], [], []),
        ("web.service.berth.", .srv, .noError, [
            "web.service.berth. SRV 1 1 8080 aaaa000000000001.container.berth.",
            "web.service.berth. SRV 1 1 9090 aaaa000000000001.container.berth.",
            "web.service.berth. SRV 1 1 8080 aaaa000000000002.container.berth.",
        ], [], ["aaaa000000000001.container.berth. A 10.88.0.2", "aaaa000000000002.container.berth. A 10.88.1.2"]),
        ("_metrics._tcp.web.service.berth.", .srv, .noError, ["_metrics._tcp.web.service.berth. SRV 1 1 9090 aaaa000000000001.container.berth."],
         [], ["aaaa000000000001.container.berth. A 10.88.0.2"]),
        ("_http._tcp.web.service.berth.", .a, .noError, [], [soa], []),
        ("_tcp.web.service.berth.", .srv, .noError, [], [soa], []),
        ("_udp.web.service.berth.", .srv, .nameError, [], [soa], []),
        ("_ftp._tcp.web.service.berth.", .srv, .nameError, [], [soa], []),
        ("_http._udp.web.service.berth.", .srv, .nameError, [], [soa], []),
        ("web.service.berth.", .aaaa, .noError, [], [soa], []),
        // Case does not matter.
        ("WeB.SERVICE.Berth.", .a, .noError, ["web.service.berth. A 10.96.0.1"], [], []),
        // dnsrr: the targets' IPs instead of the VIP.
        ("db.service.berth.", .a, .noError, ["db.service.berth. A 10.88.0.3", "db.service.berth. A 10.88.1.3", "db.service.berth. A 10.88.2.3"], [], []),
        ("_pg._tcp.db.service.berth.", .srv, .noError, [
            "_pg._tcp.db.service.berth. SRV 1 1 5432 bbbb000000000001.container.berth.",
            "_pg._tcp.db.service.berth. SRV 1 1 5432 bbbb000000000002.container.berth.",
            "_pg._tcp.db.service.berth. SRV 1 1 5432 bbbb000000000003.container.berth.",
        ], [], ["bbbb000000000001.container.berth. A 10.88.0.3", "bbbb000000000002.container.berth. A 10.88.1.3", "bbbb000000000003.container.berth. A 10.88.2.3"]),
        // A service with no healthy target (and no VIP): the name exists, with no records.
        ("idle.service.berth.", .a, .noError, [], [soa], []),
        ("idle.service.berth.", .srv, .noError, [], [soa], []),
        ("gone.service.berth.", .a, .nameError, [], [soa], []),
        // Containers by id and by name; nodes.
        ("aaaa000000000002.container.berth.", .a, .noError, ["aaaa000000000002.container.berth. A 10.88.1.2"], [], []),
        ("once.container.berth.", .a, .noError, ["once.container.berth. A 10.88.0.9"], [], []),
        ("cccc000000000001.container.berth.", .a, .noError, ["cccc000000000001.container.berth. A 10.88.0.9"], [], []),
        ("nope.container.berth.", .a, .nameError, [], [soa], []),
        ("n1.node.berth.", .a, .noError, ["n1.node.berth. A 198.18.0.10"], [], []),
        ("n2.node.berth.", .a, .noError, [], [soa], []),
        ("n3.node.berth.", .a, .nameError, [], [soa], []),
        // The subtrees exist; anything else in the zone does not; outside it is refused.
        ("service.berth.", .a, .noError, [], [soa], []),
        ("container.berth.", .txt, .noError, [], [soa], []),
        ("x.web.service.berth.", .a, .nameError, [], [soa], []),
        ("a.b.c.d.e.service.berth.", .a, .nameError, [], [soa], []),
        ("web.services.berth.", .a, .nameError, [], [soa], []),
        ("example.com.", .a, .refused, [], [], []),
        ("berth.example.", .a, .refused, [], [], []),
        (".", .ns, .refused, [], [], []),
        // ANY: RFC 8482's one record, for names that exist.
        ("web.service.berth.", .any, .noError, ["web.service.berth. TYPE13 9"], [], []),
        ("gone.service.berth.", .any, .nameError, [], [soa], []),
    ])
    func answers(name: String, type: DNSType, rcode: DNSRCode, answers: [String], authority: [String], additional: [String]) throws {
        let answer = ZoneFixture.zone.answer(to: DNSQuestion(name: ZoneFixture.name(name), type: type), in: ZoneFixture.state)
        #expect(answer.rcode == rcode)
        #expect(answer.answers.map(Self.text) == answers)
        #expect(answer.authority.map(Self.text) == authority)
        #expect(answer.additional.map(Self.text) == additional)
        #expect((answer.answers + answer.authority + answer.additional).allSatisfy { $0.ttl == 5 })
    }

    @Test func otherClassesAreRefused() {
        let question = DNSQuestion(name: ZoneFixture.name("web.service.berth."), type: .a, dnsClass: .chaos)
        #expect(ZoneFixture.zone.answer(to: question, in: ZoneFixture.state).rcode == .refused)
    }

    @Test func onlyDNSRRAnswersRotate() throws {
        let state = ZoneFixture.state
        #expect(ZoneFixture.zone.records(at: ZoneFixture.name("db.service.berth"), in: state)?.rotatesA == true)
        #expect(ZoneFixture.zone.records(at: ZoneFixture.name("web.service.berth"), in: state)?.rotatesA == false)
    }

    @Test func dnsrrListsEachAddressOnce() {
        var state = ZoneFixture.state
        state.set(targets: "db", [
            .init(container: "bbbb000000000001", ip: ZoneFixture.ip("10.88.0.3"), port: 5432),
            .init(container: "bbbb000000000001", ip: ZoneFixture.ip("10.88.0.3"), port: 5433),
        ])
        let answer = ZoneFixture.zone.answer(to: DNSQuestion(name: ZoneFixture.name("db.service.berth"), type: .a), in: state)
        #expect(answer.answers.map(Self.text) == ["db.service.berth. A 10.88.0.3"])
    }

    /// A name that equals another container's id means that container; its own name is shadowed.
    @Test func idsWinOverNames() {
        var state = ZoneFixture.state
        state.set(container: "dddd000000000001", .init(id: "dddd000000000001", name: "aaaa000000000002", ip: ZoneFixture.ip("10.88.3.3")))
        let answer = ZoneFixture.zone.answer(to: DNSQuestion(name: ZoneFixture.name("aaaa000000000002.container.berth"), type: .a), in: state)
        #expect(answer.answers.map(Self.text) == ["aaaa000000000002.container.berth. A 10.88.1.2"])
        state.set(container: "dddd000000000001", nil)
        #expect(state.containerNames["aaaa000000000002"] == nil, "removing a container forgets its name")
    }

    @Test func namesAServiceOwns() {
        let names = ZoneFixture.zone.names(ofService: ZoneFixture.state.services["web"]!).map(\.description)
        #expect(names == ["web.service.berth.", "_tcp.web.service.berth.", "_http._tcp.web.service.berth.", "_metrics._tcp.web.service.berth."])
    }

    @Test(arguments: ["berth", "berth.", "Cluster.Example."])
    func domainsAreNormalised(text: String) throws {
        let config = try DNSZoneConfig(domain: text)
        #expect(config.domain.description == text.lowercased().trimmingSuffix(".") + ".")
        #expect(config.serviceSuffix.description == "service." + config.domain.description)
    }

    @Test func anotherDomainServesItsOwnNames() {
        let zone = DNSZone(config: try! DNSZoneConfig(domain: "cluster.example", ttl: 30))
        let answer = zone.answer(to: DNSQuestion(name: ZoneFixture.name("web.service.cluster.example"), type: .a), in: ZoneFixture.state)
        #expect(answer.answers.map(Self.text) == ["web.service.cluster.example. A 10.96.0.1"])
        #expect(answer.answers.first?.ttl == 30)
        #expect(zone.answer(to: DNSQuestion(name: ZoneFixture.name("web.service.berth"), type: .a), in: ZoneFixture.state).rcode == .refused)
    }

    /// Port names come from the template first, then from the service's own ports.
    @Test func servicePortNames() {
        let template = ContainerTemplate(image: "x", ports: [ContainerPort(name: "http", containerPort: 8080), ContainerPort(name: "dns", containerPort: 53, protocol: .udp)])
        let spec = ServiceSpec(template: template, ports: [
            ServicePort(name: "web", port: 80, targetPort: 8080), ServicePort(name: "http", port: 81, targetPort: 9999),
        ], endpointMode: .dnsrr)
        let service = DNSZoneState.Service(Service(name: "s", spec: spec, vip: "10.96.0.9"))
        #expect(service.vip == ZoneFixture.ip("10.96.0.9"))
        #expect(service.endpointMode == .dnsrr)
        #expect(service.namedPorts == [
            .init(name: "http", port: 8080, protocol: .tcp), .init(name: "dns", port: 53, protocol: .udp), .init(name: "web", port: 8080, protocol: .tcp),
        ])
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
