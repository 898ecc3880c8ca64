import Testing
import BerthCore

@Suite struct DurationTextTests {
    static let parsed: [(String, Duration)] = [
        ("0s", .zero), ("0ms", .zero), ("500ms", .milliseconds(500)), ("1ms", .milliseconds(1)),
        ("30s", .seconds(30)), ("5m", .seconds(300)), ("2h", .seconds(7200)), ("1m30s", .seconds(90)),
        ("1h1m1s1ms", .milliseconds(3_661_001)), ("90s", .seconds(90)), ("1s500ms", .milliseconds(1500)),
        ("24h", .seconds(86_400)), ("86400000ms", .seconds(86_400)), ("23h59m59s999ms", .milliseconds(86_399_999)),
        ("1m1m", .seconds(120)),
    ]

    @Test(arguments: parsed)
    func parses(text: String, expected: Duration) {
        #expect(DurationText.parse(text) == expected)
    }

    @Test(arguments: [
        "", "10", "s", "ms", "1", "1x", "1S", "1M", "1.5s", "-1s", "+1s", " 1s", "1s ", "1 s", "1s2", "5mss", "1d",
        "25h", "24h1ms", "86400001ms", "1441m", "99999999999999999999s", "١s",
        String(repeating: "0", count: 31) + "1s",
    ])
    func rejects(_ text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test func acceptsSubstrings() {
        let query = "wait=30s"
        #expect(DurationText.parse(query.split(separator: "=")[1]) == .seconds(30))
    }

    static let formatted: [(Duration, String)] = [
        (.zero, "0s"), (.milliseconds(500), "500ms"), (.milliseconds(1500), "1500ms"), (.seconds(30), "30s"),
        (.seconds(90), "90s"), (.seconds(300), "5m"), (.seconds(3600), "1h"), (.seconds(7200), "2h"),
        (.seconds(5400), "90m"), (.milliseconds(3_661_001), "3661001ms"),
    ]

    @Test(arguments: formatted)
    func formats(duration: Duration, text: String) {
        #expect(DurationText.format(duration) == text)
        #expect(DurationText.parse(text) == duration)
    }
}
