@testable import BerthAgent
import BerthCore
import BerthDNSWire
import BerthTesting
import Logging
import Testing

/// The node's DNS forwarder on 127.0.0.1 between clients (sending from other loopback
/// addresses, as containers would from theirs) and two fake upstreams: the "server" for the
/// Berth zone (answers 10.0.0.1) and the "resolver" for other names (answers 10.0.0.2).
@Suite(.serialized) struct NodeDNSForwarderTests {
    static let serverAnswer = DNSIPv4Address(10, 0, 0, 1)
    static let resolverAnswer = DNSIPv4Address(10, 0, 0, 2)

    struct Setup {
        var forwarder: NodeDNSForwarder.Running
        var server: FakeUpstream
        var resolver: FakeUpstream

        func client(_ source: String, tcp: Bool = false) throws -> LoopbackSocket {
            try LoopbackSocket(port: forwarder.port, tcp: tcp, source: source)
        }
    }

    static func withForwarder(
        _ configure: (inout NodeDNSForwarder.Configuration) -> Void = { _ in }, _ body: (Setup) async throws -> Void
    ) async throws {
        let server = try await FakeUpstream.start(answering: serverAnswer)
        let resolver = try await FakeUpstream.start(answering: resolverAnswer)
        var configuration = NodeDNSForwarder.Configuration(
            listen: IPv4Address("127.0.0.1")!, listenPort: 0, namespace: nil, zone: try DNSName("berth."),
            server: (IPv4Address("127.0.0.1")!, UInt16(server.port)), upstreams: [IPv4Address("127.0.0.1")!], upstreamPort: UInt16(resolver.port)
        )
        configure(&configuration)
        let forwarder = try await NodeDNSForwarder(configuration: configuration, logger: Logger(label: "test")).start()
        let setup = Setup(forwarder: forwarder, server: server, resolver: resolver)
        do {
            try await body(setup)
        } catch {
            await forwarder.close()
            await server.close()
            await resolver.close()
            throw error
        }
        await forwarder.close()
        await server.close()
        await resolver.close()
    }

    static func query(_ name: String, id: UInt16, edns: DNSEDNS? = nil) -> [UInt8] {
        let message = DNSMessage(
            header: DNSHeader(id: id, isResponse: false, recursionDesired: true),
            questions: [DNSQuestion(name: try! DNSName(name), type: .a, dnsClass: .internet)], edns: edns
        )
        return try! message.encode()
    }

    static func ask(_ socket: LoopbackSocket, _ name: String, id: UInt16, edns: DNSEDNS? = nil) throws -> DNSMessage {
        try socket.send(query(name, id: id, edns: edns))
        return try DNSMessage(parsing: try socket.receive())
    }

    static func addresses(_ message: DNSMessage) -> [DNSIPv4Address] {
        message.answers.compactMap { if case .a(let address) = $0.data { address } else { nil } }
    }

    @Test func forwardsTheZoneToTheServerAndTheRestToTheResolver() async throws {
        try await Self.withForwarder { setup in
            let client = try setup.client("127.0.0.2")
            let inZone = try Self.ask(client, "web.service.berth.", id: 7)
            #expect(inZone.header.id == 7 && inZone.header.isResponse && Self.addresses(inZone) == [Self.serverAnswer])
            let outside = try Self.ask(client, "example.com.", id: 8)
            #expect(outside.header.id == 8 && Self.addresses(outside) == [Self.resolverAnswer])
            // Over TCP too.
            let tcp = try setup.client("127.0.0.2", tcp: true)
            try tcp.send(try DNSTCPFramer.frame(Self.query("db.service.berth.", id: 9)))
            let framed = try DNSMessage(parsing: try #require(try tcp.receiveFrame()))
            #expect(framed.header.id == 9 && Self.addresses(framed) == [Self.serverAnswer])
            #expect(setup.server.seen.map(\.name).sorted() == ["db.service.berth.", "web.service.berth."])
            #expect(setup.resolver.seen.map(\.name) == ["example.com."])
            // A malformed query gets FORMERR from the forwarder itself.
            try client.send([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 63])
            #expect(try DNSMessage(parsing: try client.receive()).rcode == .formatError)
            try await eventually("every place is given back") { setup.forwarder.budget.outstanding == 0 }
        }
    }

    /// Queries in flight at once each leave from a socket of their own (distinct source ports)
    /// under an id the forwarder drew at random, whatever ids the client used.
    @Test func eachQueryHasItsOwnPortAndARandomID() async throws {
        try await Self.withForwarder({ $0.upstreamTimeout = .seconds(60) }) { setup in
            let client = try setup.client("127.0.0.2")
            for id in 0..<50 { try client.send(Self.query("hold.example.", id: UInt16(id))) }
            try await eventually("the resolver sees all 50") { setup.resolver.seen.count == 50 }
            let seen = setup.resolver.seen
            #expect(Set(seen.map(\.sourcePort)).count == 50, "one source port per query in flight")
            let ids = seen.map(\.id)
            #expect(Set(ids).count >= 45, "random 16-bit ids rarely collide: \(ids)")
            let sequential = zip(ids, ids.dropFirst()).filter { $1 == $0 &+ 1 }.count
            #expect(sequential < 5, "ids are not a counter: \(ids)")
            #expect(ids != (0..<50).map { UInt16($0) })
        }
    }

    /// The fake resolver sends three forged answers before each real one (from another port,
    /// with a wrong id, for another question): the client only ever sees the real one.
    @Test func forgedAnswersAreIgnored() async throws {
        try await Self.withForwarder { setup in
            let client = try setup.client("127.0.0.2")
            for id in 0..<20 {
                let answer = try Self.ask(client, "spoof.example.", id: UInt16(id))
                #expect(answer.header.id == UInt16(id) && Self.addresses(answer) == [Self.resolverAnswer])
            }
            // Nothing forged is left to read: the next message is the answer to the next query.
            let next = try Self.ask(client, "example.com.", id: 1000)
            #expect(next.header.id == 1000 && Self.addresses(next) == [Self.resolverAnswer])
        }
    }

    /// A truncated upstream answer is fetched again over TCP; a client that can take it over
    /// UDP gets it whole, one that cannot gets a truncated answer and comes over TCP.
    @Test func truncatedAnswersAreFetchedOverTCP() async throws {
        try await Self.withForwarder { setup in
            let client = try setup.client("127.0.0.2")
            let whole = try Self.ask(client, "big.example.", id: 1, edns: DNSEDNS(udpPayloadSize: 4096))
            #expect(!whole.header.isTruncated && whole.answers.count == 40)
            #expect(setup.resolver.seen.map(\.overTCP) == [false, true])

            let small = try Self.ask(client, "big.example.", id: 2)
            #expect(small.header.isTruncated && small.answers.isEmpty && small.header.id == 2)
            let tcp = try setup.client("127.0.0.2", tcp: true)
            try tcp.send(try DNSTCPFramer.frame(Self.query("big.example.", id: 3)))
            let overTCP = try DNSMessage(parsing: try #require(try tcp.receiveFrame()))
            #expect(overTCP.header.id == 3 && overTCP.answers.count == 40 && !overTCP.header.isTruncated)
        }
    }

    /// One client with its limit of queries in flight gets SERVFAIL for more; another client is
    /// answered all the while, and the upstream never sees more than the limit.
    @Test func aFloodingClientDoesNotStarveOthers() async throws {
        try await Self.withForwarder({
            $0.maxOutstandingPerClient = 8
            $0.upstreamTimeout = .seconds(60)
        }) { setup in
            let flooder = try setup.client("127.0.0.2")
            for id in 0..<200 { try flooder.send(Self.query("blackhole.example.", id: UInt16(id))) }
            var refused = 0
            for _ in 0..<192 {
                let answer = try DNSMessage(parsing: try flooder.receive())
                if answer.rcode == .serverFailure { refused += 1 }
            }
            #expect(refused == 192)
            let other = try setup.client("127.0.0.3")
            for id in 0..<20 {
                let answer = try Self.ask(other, id % 2 == 0 ? "example.com." : "web.service.berth.", id: UInt16(id))
                #expect(answer.header.id == UInt16(id) && answer.rcode == .noError && answer.answers.count == 1)
            }
            #expect(setup.resolver.seen.filter { $0.name == "blackhole.example." }.count == 8)
            #expect(setup.forwarder.budget.outstanding == 8)
        }
    }

    /// An upstream that never answers: the query's place is given back after the timeout.
    @Test func unansweredQueriesTimeOut() async throws {
        try await Self.withForwarder({
            $0.maxOutstandingPerClient = 1
            $0.upstreamTimeout = .milliseconds(200)
        }) { setup in
            let client = try setup.client("127.0.0.2")
            try client.send(Self.query("blackhole.example.", id: 1))
            try await eventually("the resolver got it") { setup.resolver.seen.count == 1 }
            try await eventually("its place is free again") { setup.forwarder.budget.outstanding == 0 }
            #expect(Self.addresses(try Self.ask(client, "example.com.", id: 2)) == [Self.resolverAnswer])
        }
    }
}

/// The pure parts: which messages count as the answer, and the per-client budget.
@Suite struct DNSForwardPartsTests {
    static func response(_ name: String, id: UInt16, isResponse: Bool = true) -> [UInt8] {
        try! DNSMessage(
            header: DNSHeader(id: id, isResponse: isResponse),
            questions: [DNSQuestion(name: try! DNSName(name), type: .a, dnsClass: .internet)]
        ).encode()
    }

    @Test func onlyTheAnswerToTheQuestionMatches() throws {
        let query = try DNSQuery.parse(NodeDNSForwarderTests.query("Web.Example.", id: 5))
        #expect(DNSForwardMatch.isAnswer(Self.response("web.example.", id: 5), id: 5, question: query.questionBytes))
        #expect(DNSForwardMatch.isAnswer(Self.response("WEB.EXAMPLE.", id: 5), id: 5, question: query.questionBytes))
        #expect(!DNSForwardMatch.isAnswer(Self.response("web.example.", id: 6), id: 5, question: query.questionBytes))
        #expect(!DNSForwardMatch.isAnswer(Self.response("evil.example.", id: 5), id: 5, question: query.questionBytes))
        #expect(!DNSForwardMatch.isAnswer(Self.response("web.example.", id: 5, isResponse: false), id: 5, question: query.questionBytes))
        #expect(!DNSForwardMatch.isAnswer(Array(Self.response("web.example.", id: 5).prefix(14)), id: 5, question: query.questionBytes))
    }

    @Test func theBudgetIsPerClientAndInAll() {
        var limits = DNSForwardLimits(perClient: 2, total: 3)
        let taken = [limits.take(1), limits.take(1), limits.take(1), limits.take(2), limits.take(3)]
        #expect(taken == [true, true, false, true, false], "two for client 1, then the total of 3 is reached")
        limits.give(1)
        let again = limits.take(3)
        #expect(again)
        limits.give(9)  // never taken: nothing changes
        #expect(limits.count == 3 && limits.outstanding == [1: 1, 2: 1, 3: 1])
    }
}
