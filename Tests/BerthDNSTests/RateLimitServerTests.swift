import BerthCore
import BerthDNS
import BerthDNSWire
import BerthTesting
import Testing

/// Rate limiting and the per-client TCP cap on a real server on 127.0.0.1, clients sending from
/// other loopback addresses (127.0.0.0/8 is all loopback; each /24 of it is a network to the
/// limiter). Loopback's exemption is turned off, as a server bound off loopback would treat
/// strangers; time is a manual clock, so a bucket refills only when the test says.
@Suite(.serialized) struct RateLimitServerTests {
    static func withServer(
        clock: ManualClock, _ configure: (inout DNSServer.Options) -> Void, _ body: (DNSServer) async throws -> Void
    ) async throws {
        let harness = ResponderHarness()
        var options = DNSServer.Options()
        options.port = 0
        options.threads = 2
        options.rateLimit.exemptLoopback = false
        configure(&options)
        let server = try await DNSServer.bind(responder: harness.responder, options: options, clock: clock)
        do {
            try await body(server)
        } catch {
            await server.close()
            throw error
        }
        await server.close()
    }

    static func ask(_ socket: LoopbackSocket, id: UInt16) throws -> DNSMessage {
        try socket.send(ResponderHarness.query("web.service.berth.", .srv, id: id))
        return try DNSMessage(parsing: try socket.receive())
    }

    /// A flood from one network gets its rate in answers, then one truncated answer in two and
    /// silence for the rest, while another network, and an exempt address, are answered in full.
    @Test func aFloodSlipsAndDropsWhileOthersAreAnswered() async throws {
        let clock = ManualClock()
        try await Self.withServer(clock: clock, {
            $0.rateLimit.responsesPerSecond = 20
            $0.rateLimit.slip = 2
            $0.rateLimit.exempt = { $0 == DNSIPv4Address(127, 0, 9, 1) }
        }) { server in
            let name = try DNSName("web.service.berth.")
            let flooder = try LoopbackSocket(port: server.port, tcp: false, source: "127.0.0.2")
            for id in 0..<20 {
                let answer = try Self.ask(flooder, id: UInt16(id))
                #expect(answer.header.id == UInt16(id) && answer.answers.count == 3 && !answer.header.isTruncated)
            }
            // Over the limit, in pairs: the first dropped, the second slipped. The reply read is
            // always the second's (the first never comes).
            for pair in 0..<10 {
                let dropped = UInt16(100 + 2 * pair)
                try flooder.send(ResponderHarness.query("web.service.berth.", .srv, id: dropped))
                let slipped = try Self.ask(flooder, id: dropped + 1)
                #expect(slipped.header.id == dropped + 1 && slipped.header.isTruncated)
                #expect(slipped.answers.isEmpty && slipped.questions.first?.name == name)
            }
            // A neighbour in the same /24 shares the spent bucket; another /24 has its own.
            let neighbour = try LoopbackSocket(port: server.port, tcp: false, source: "127.0.0.3")
            try neighbour.send(ResponderHarness.query("web.service.berth.", .srv, id: 1))
            #expect(try Self.ask(neighbour, id: 2).header.isTruncated)
            let other = try LoopbackSocket(port: server.port, tcp: false, source: "127.0.1.2")
            for id in 0..<20 { #expect(try Self.ask(other, id: UInt16(id)).answers.count == 3) }
            // The exempt address is answered in full however much it asks.
            let node = try LoopbackSocket(port: server.port, tcp: false, source: "127.0.9.1")
            for id in 0..<60 { #expect(try Self.ask(node, id: UInt16(id)).answers.count == 3) }
            // A second later the flooder's network has a second's worth again.
            clock.advance(by: .seconds(1))
            for id in 0..<20 { #expect(try Self.ask(flooder, id: UInt16(id)).answers.count == 3) }
            // Over TCP, where a source cannot be forged, there is no rate limit.
            let tcp = try LoopbackSocket(port: server.port, tcp: true, source: "127.0.0.2")
            for id in 0..<40 {
                try tcp.send(try DNSTCPFramer.frame(ResponderHarness.query("web.service.berth.", .srv, id: UInt16(id))))
                #expect(try DNSMessage(parsing: try #require(try tcp.receiveFrame())).answers.count == 3)
            }
        }
    }

    /// One address may hold only so many TCP connections; another address still connects, and
    /// an exempt one counts only against the total.
    @Test func tcpConnectionsAreCappedPerClient() async throws {
        try await Self.withServer(clock: ManualClock(), {
            $0.maxTCPConnectionsPerClient = 2
            $0.rateLimit.exempt = { $0 == DNSIPv4Address(127, 0, 9, 1) }
        }) { server in
            let query = try DNSTCPFramer.frame(ResponderHarness.query("web.service.berth.", .a))
            var held = try (0..<2).map { _ in try LoopbackSocket(port: server.port, tcp: true, source: "127.0.0.2") }
            for client in held {
                try client.send(query)
                #expect(try client.receiveFrame() != nil)
            }
            let extra = try LoopbackSocket(port: server.port, tcp: true, source: "127.0.0.2")
            #expect(extra.isClosedByPeer(), "a third connection from the same address is closed at once")
            let other = try LoopbackSocket(port: server.port, tcp: true, source: "127.0.0.3")
            try other.send(query)
            #expect(try other.receiveFrame() != nil)
            let exempt = try (0..<4).map { _ in try LoopbackSocket(port: server.port, tcp: true, source: "127.0.9.1") }
            for client in exempt {
                try client.send(query)
                #expect(try client.receiveFrame() != nil)
            }
            // One leaves: its address may connect again.
            held.removeFirst()
            try await eventually("the server counts the closed connection out") { server.tcpConnections == 1 + 1 + 4 }
            let again = try LoopbackSocket(port: server.port, tcp: true, source: "127.0.0.2")
            try again.send(query)
            #expect(try again.receiveFrame() != nil)
            #expect(held.count == 1)
        }
    }
}
