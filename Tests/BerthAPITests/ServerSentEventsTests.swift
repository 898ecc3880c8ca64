@testable import BerthAPI
import BerthClient
import BerthCore
import Foundation
import NIOCore
import Testing

/// The `text/event-stream` framing both ways, without a server: what the stream writes, read
/// back by the parser the CLI uses, which reads as a browser's `EventSource` does.
@Suite struct ServerSentEventsTests {
    typealias Message = ServerSentEventParser.Message

    static func parse(_ text: String) -> [ServerSentEventParser.Item] {
        var parser = ServerSentEventParser()
        return parser.feed(Array(text.utf8))
    }

    @Test(arguments: [
        // Each data line is kept, joined with \n; the id is the message's.
        ("id: 7\ndata: a\ndata: b\n\n", [.message(Message(event: "message", data: "a\nb", lastEventID: "7"))]),
        // An id alone dispatches nothing but is remembered for the next message.
        ("id: 3\n\ndata: x\n\n", [.message(Message(event: "message", data: "x", lastEventID: "3"))]),
        // CRLF line ends; one leading space is dropped, a second is kept; no space at all.
        ("event: error\r\ndata:  {}\r\n\r\n", [.message(Message(event: "error", data: " {}", lastEventID: ""))]),
        ("data:x\n\n", [.message(Message(event: "message", data: "x", lastEventID: ""))]),
        // Comments are heartbeats; unknown fields and retry are ignored.
        (": ping\n\nretry: 10\nfoo: bar\ndata: y\n\n", [.comment("ping"), .message(Message(event: "message", data: "y", lastEventID: ""))]),
        // An empty data line still makes a message; the event type does not outlive its message.
        ("event: error\ndata\n\ndata: z\n\n", [
            .message(Message(event: "error", data: "", lastEventID: "")), .message(Message(event: "message", data: "z", lastEventID: "")),
        ]),
        // A message without its blank line is not dispatched (the connection broke in it).
        ("id: 9\ndata: partial\n", []),
    ] as [(String, [ServerSentEventParser.Item])])
    func parsesAsEventSourceDoes(_ text: String, _ expected: [ServerSentEventParser.Item]) {
        #expect(Self.parse(text) == expected)
    }

    @Test func bytesMayArriveInAnyPieces() {
        let text = "id: 41\n\n: ping\n\nid: 42\ndata: {\"a\":1}\r\n\r\n"
        var parser = ServerSentEventParser()
        var items: [ServerSentEventParser.Item] = []
        for byte in text.utf8 { items += parser.feed([byte]) }
        #expect(items == Self.parse(text))
        #expect(parser.lastEventID == "42")
    }

    /// One message per change index, a data line per event, in order; an object's line breaks
    /// (JSON allows them between tokens) cannot split a data line.
    @Test func theStreamWritesOneMessagePerIndex() throws {
        let events = [
            ChangeEvent(index: 5, kind: .service, name: "web", op: .created, object: #"{"name":"web"}"#),
            ChangeEvent(index: 5, kind: .target, name: "web", op: .created, object: "{\n\"service\":\r\n\"web\"}"),
            ChangeEvent(index: 6, kind: .node, name: "n1", op: .deleted, object: #"{"name":"n1"}"#),
        ]
        var buffer = ByteBuffer()
        EventStream.encode(events, into: &buffer)
        let items = Self.parse(String(buffer: buffer))
        #expect(items.count == 2)
        guard case .message(let first) = items.first, case .message(let second) = items.last else { return }
        #expect(first.lastEventID == "5")
        #expect(second.lastEventID == "6")
        let lines = first.data.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.map { $0?["kind"] as? String } == ["service", "target"])
        #expect(lines.map { $0?["index"] as? Int } == [5, 5])
        #expect((lines.last??["object"] as? [String: Any])?["service"] as? String == "web")
        #expect(second.data == #"{"index":6,"kind":"node","name":"n1","op":"deleted","object":{"name":"n1"}}"#)
    }
}
