import BerthCore
@testable import BerthDNS
import BerthDNSWire
import Testing

/// Response-rate limiting without sockets: the table on hand-given times, the limiter on a
/// manual clock, the slip's cut.
@Suite struct RateLimitTests {
    static let second: Int64 = 1_000_000_000
    static func address(_ text: String) -> UInt32 {
        let parts = text.split(separator: ".").map { UInt32($0)! }
        return parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3]
    }

    @Test func aNetworkGetsItsRateThenEveryNthSlips() {
        var table = DNSRateLimitTable(rate: 10, slip: 3)
        let verdicts = (0..<19).map { _ in table.admit(Self.address("192.0.2.7"), now: 0) }
        #expect(verdicts.prefix(10).allSatisfy { $0 == .answer })
        #expect(Array(verdicts.dropFirst(10)) == [.drop, .drop, .slip, .drop, .drop, .slip, .drop, .drop, .slip])
    }

    @Test func theLimitIsPerSlash24() {
        var table = DNSRateLimitTable(rate: 5, slip: 2)
        for host in 1...5 { #expect(table.admit(Self.address("192.0.2.\(host)"), now: 0) == .answer) }
        // Another host of the same /24 shares the spent bucket; the next /24 has its own.
        #expect(table.admit(Self.address("192.0.2.200"), now: 0) == .drop)
        #expect(table.admit(Self.address("192.0.3.1"), now: 0) == .answer)
    }

    @Test func creditComesBackWithTimeUpToOneSecond() {
        var table = DNSRateLimitTable(rate: 100, slip: 0)
        let client = Self.address("198.51.100.1")
        for _ in 0..<100 { #expect(table.admit(client, now: 0) == .answer) }
        #expect(table.admit(client, now: 0) == .drop, "slip 0 drops everything over the limit")
        // 10 ms at 100/s is one response, 50 ms five.
        #expect(table.admit(client, now: Self.second / 100) == .answer)
        #expect(table.admit(client, now: Self.second / 100) == .drop)
        let later = Self.second / 100 + Self.second / 20
        for _ in 0..<5 { #expect(table.admit(client, now: later) == .answer) }
        #expect(table.admit(client, now: later) == .drop)
        // A minute of quiet gives back one second's worth, no more.
        let minute = 60 * Self.second
        let answered = (0..<300).filter { _ in table.admit(client, now: minute) == .answer }.count
        #expect(answered == 100)
    }

    @Test func slipOneTruncatesEverythingOverTheLimit() {
        var table = DNSRateLimitTable(rate: 1, slip: 1)
        #expect(table.admit(1, now: 0) == .answer)
        #expect((0..<5).map { _ in table.admit(1, now: 0) } == Array(repeating: .slip, count: 5))
    }

    /// Many more networks than slots: the table stays its size, and a network seen just now
    /// keeps its (spent) bucket against a crowd of one-packet forged sources.
    @Test func manyNetworksNeverGrowTheTable() {
        var table = DNSRateLimitTable(rate: 3, slip: 0, capacity: 64)
        let victim = Self.address("203.0.113.9")
        for _ in 0..<3 { _ = table.admit(victim, now: 0) }
        var time: Int64 = 0
        for network in 0..<10_000 {
            time += 1
            _ = table.admit(UInt32(network) << 8 | 1, now: time)
            // The victim keeps asking: it stays the most recently seen in its neighbourhood.
            if network % 2 == 0 { _ = table.admit(victim, now: time) }
        }
        #expect(table.admit(victim, now: time) == .drop)
    }

    @Test func theLimiterExemptsLoopbackAndWhatItIsTold() {
        let clock = ManualClock()
        var options = DNSRateLimit()
        options.responsesPerSecond = 2
        options.slip = 0
        options.exempt = { $0 == DNSIPv4Address(10, 0, 0, 5) }
        let limiter = DNSRateLimiter(options: options, clock: clock)
        for _ in 0..<10 { #expect(limiter.admit(DNSIPv4Address(127, 0, 0, 1)) == .answer) }
        for _ in 0..<10 { #expect(limiter.admit(DNSIPv4Address(10, 0, 0, 5)) == .answer) }
        // 10.0.0.6 shares 10.0.0.5's /24, whose bucket the exempt node has spent.
        #expect(limiter.admit(DNSIPv4Address(10, 0, 0, 6)) == .drop)
        #expect(limiter.admit(DNSIPv4Address(10, 0, 1, 6)) == .answer)
        clock.advance(by: .seconds(1))
        #expect(limiter.admit(DNSIPv4Address(10, 0, 0, 6)) == .answer)

        options.exemptLoopback = false
        let strict = DNSRateLimiter(options: options, clock: clock)
        #expect((0..<3).map { _ in strict.admit(DNSIPv4Address(127, 0, 0, 1)) } == [.answer, .answer, .drop])
    }

    @Test func zeroTurnsItOff() {
        var options = DNSRateLimit()
        options.responsesPerSecond = 0
        let limiter = DNSRateLimiter(options: options, clock: ManualClock())
        #expect(!limiter.isEnabled)
        #expect((0..<1000).allSatisfy { _ in limiter.admit(DNSIPv4Address(192, 0, 2, 1)) == .answer })
    }

    /// The slip keeps header and question, sets TC and carries no records.
    @Test func theSlipIsHeaderAndQuestionWithTC() throws {
        var harness = ResponderHarness()
        let query = ResponderHarness.query("web.service.berth.", .srv, id: 99, edns: DNSEDNS(udpPayloadSize: 1232))
        let raw = harness.raw(query)
        var response = try #require(raw)
        let full = try DNSMessage(parsing: response)
        #expect(full.answers.count == 3 && !full.header.isTruncated)
        DNSSlip.truncate(&response)
        let slipped = try DNSMessage(parsing: response)
        #expect(slipped.header.id == 99 && slipped.header.isResponse && slipped.header.isTruncated)
        #expect(slipped.questions == full.questions)
        #expect(slipped.answers.isEmpty && slipped.authority.isEmpty && slipped.additional.isEmpty && slipped.edns == nil)
        #expect(response.count == 12 + query.count - 12 - 11, "the query less its 11-byte OPT record")

        var short: [UInt8] = [0, 1, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3]  // a question that runs off the end
        DNSSlip.truncate(&short)
        #expect(short == [0, 1, 0x82, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    }
}
