import BerthCore
import Foundation
import Logging

/// One JSON object per line on stderr, for log shippers (Loki, Elasticsearch, journald's
/// JSON mode): `{"ts":"…","level":"info","label":"berth","message":"placed","container":"…"}`.
/// Metadata keys become fields; a request's `hb.request.id` is kept as `request_id`.
struct JSONLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    let label: String
    private static let lock = NSLock()

    init(label: String) { self.label = label }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [String: String] = [:]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            fields[key == "hb.request.id" ? "request_id" : key] = "\(value)"
        }
        var line = #"{"ts":"\#(Date().formatted(.iso8601))","level":"\#(event.level.rawValue)","label":"#
        line += JSONText.quote(label) + #","message":"# + JSONText.quote("\(event.message)")
        for key in fields.keys.sorted() where !["ts", "level", "label", "message"].contains(key) {
            line += "," + JSONText.quote(key) + ":" + JSONText.quote(fields[key]!)
        }
        line += "}\n"
        Self.lock.withLock { FileHandle.standardError.write(Data(line.utf8)) }
    }
}
