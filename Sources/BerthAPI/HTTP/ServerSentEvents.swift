import Hummingbird

/// The `text/event-stream` framing (WHATWG HTML, "Server-sent events") that a browser's
/// `EventSource` and `berth events --follow` parse: fields `name: value` on lines of their own,
/// a blank line ending each message, and lines starting with `:` as comments.
///
/// Byte building only, apart from the feed that uses it, so what goes on the wire is easy to see.
enum ServerSentEvents {
    static let contentType = "text/event-stream"

    /// A message that only sets the client's last event id: a browser records it without
    /// dispatching anything, and sends it back as `Last-Event-ID` when it reconnects.
    static func resumePoint(_ id: UInt64, into buffer: inout ByteBuffer) {
        buffer.writeString("id: \(id)\n\n")
    }

    /// One message of type `event` (nil: the default, `message`) with `id` and one `data:`
    /// line per element of `lines`. A client joins data lines with `\n`.
    static func message(event: String? = nil, id: UInt64? = nil, lines: some Sequence<ByteBuffer>, into buffer: inout ByteBuffer) {
        if let event { buffer.writeString("event: \(event)\n") }
        if let id { buffer.writeString("id: \(id)\n") }
        for var line in lines {
            buffer.writeString("data: ")
            flatten(&line)
            buffer.writeBuffer(&line)
            buffer.writeString("\n")
        }
        buffer.writeString("\n")
    }

    /// A comment line: ignored by clients, but bytes on the wire, which keep proxies and load
    /// balancers from closing a quiet connection.
    static func comment(_ text: String, into buffer: inout ByteBuffer) {
        buffer.writeString(": \(text)\n\n")
    }

    /// A line break would end a data line early. JSON has them only between tokens (its
    /// strings escape them), where a space means the same.
    private static func flatten(_ line: inout ByteBuffer) {
        let view = line.readableBytesView
        guard view.contains(where: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) else { return }
        line = ByteBuffer(bytes: view.map { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") ? UInt8(ascii: " ") : $0 })
    }
}
