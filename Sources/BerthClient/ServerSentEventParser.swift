/// Reads the `text/event-stream` format (WHATWG HTML, "Server-sent events") as a browser's
/// `EventSource` does, so the CLI and tests see a stream exactly as a dashboard would: fields
/// `name: value`, a blank line dispatching a message, `:` starting a comment, and the last event
/// id kept across messages (an `id:` alone sets it without dispatching anything).
///
/// Lines end with LF or CRLF; a lone CR, which the format also allows and Berth never sends,
/// is not treated as a line end.
public struct ServerSentEventParser: Sendable {
    public struct Message: Sendable, Equatable {
        /// `message` unless the stream named another type (`event: error`).
        public var event: String
        /// The message's `data:` lines, joined with `\n`.
        public var data: String
        /// The last `id:` received so far, in this message or an earlier one.
        public var lastEventID: String

        public init(event: String, data: String, lastEventID: String) {
            self.event = event
            self.data = data
            self.lastEventID = lastEventID
        }
    }

    public enum Item: Sendable, Equatable {
        case message(Message)
        /// A comment line's text (a heartbeat, for Berth).
        case comment(String)
    }

    /// The last `id:` received: what to resume from.
    public private(set) var lastEventID = ""
    private var line: [UInt8] = []
    private var event = ""
    private var data = ""

    public init() {}

    /// Consumes `bytes`, returning what they completed, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Item] {
        var items: [Item] = []
        for byte in bytes {
            guard byte == UInt8(ascii: "\n") else {
                line.append(byte)
                continue
            }
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if let item = process(String(decoding: line, as: UTF8.self)) { items.append(item) }
            line.removeAll(keepingCapacity: true)
        }
        return items
    }

    private mutating func process(_ text: String) -> Item? {
        if text.isEmpty { return dispatch() }
        if text.hasPrefix(":") { return .comment(Self.value(text.dropFirst())) }
        let field: Substring
        let value: String
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            value = Self.value(text[text.index(after: colon)...])
        } else {
            field = text[...]
            value = ""
        }
        switch field {
        case "event": event = value
        case "data": data += value + "\n"
        case "id" where !value.contains("\0"): lastEventID = value
        default: break  // `retry` and unknown fields
        }
        return nil
    }

    /// A blank line: the buffered message, if it has data; the event type starts over.
    private mutating func dispatch() -> Item? {
        defer {
            data = ""
            event = ""
        }
        guard !data.isEmpty else { return nil }
        return .message(Message(event: event.isEmpty ? "message" : event, data: String(data.dropLast()), lastEventID: lastEventID))
    }

    /// A field's value: everything after the colon but one leading space.
    private static func value(_ text: Substring) -> String {
        String(text.hasPrefix(" ") ? text.dropFirst() : text)
    }
}
