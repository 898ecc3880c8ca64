@testable import BerthAPI
import BerthClient
import BerthCore
import HTTPTypes
import Hummingbird
import Testing

/// `?wait=` is capped at 10m, as Consul caps it, whatever its length: `25h` is capped like `23h`
/// (the duration reader stops at a day, but asking for longer than the cap is no error).
@Suite struct WaitParameterTests {
    static func request(_ query: String) -> Request {
        Request(head: HTTPRequest(method: .get, scheme: "http", authority: "127.0.0.1", path: "/v1/nodes?index=1&\(query)"), body: .init(buffer: .init()))
    }

    @Test(arguments: [
        ("wait=30s", Duration.seconds(30)),
        ("wait=500ms", .milliseconds(500)),
        ("wait=10m", .seconds(600)),
        ("wait=11m", .seconds(600)),
        ("wait=23h", .seconds(600)),
        ("wait=24h", .seconds(600)),
        ("wait=25h", .seconds(600)),
        ("wait=86400001ms", .seconds(600)),
        ("wait=99999999999999999999999999h", .seconds(600)),
        ("wait=1h1m1s1ms", .seconds(600)),
        ("other=1", .seconds(300)),
    ])
    func aWaitIsCappedAt10Minutes(query: String, expected: Duration) throws {
        #expect(try BlockingQuery(Self.request(query)).wait == expected)
    }

    /// Not a duration, or longer than the 32 characters the spec allows (`0…01s`, 33).
    @Test(arguments: ["wait=forever", "wait=10", "wait=", "wait=5d", "wait=-1s", "wait=1h1", "wait=" + String(repeating: "0", count: 31) + "1s"])
    func anythingElseIsA400NamingWait(query: String) {
        let error = #expect(throws: BerthError.self) { _ = try BlockingQuery(Self.request(query)) }
        #expect(error?.field == "wait")
    }
}
