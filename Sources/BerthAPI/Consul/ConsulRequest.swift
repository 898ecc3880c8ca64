import BerthCore
import Foundation
import HTTPTypes
import Hummingbird

/// An error as Consul answers it: a status and a plain-text body (Consul's HTTP API has no JSON
/// error format; its Go client shows the text).
struct ConsulError: Error {
    var status: HTTPResponse.Status
    var message: String
    var headers: HTTPFields = [:]

    static func badRequest(_ message: String) -> ConsulError { ConsulError(status: .badRequest, message: message) }

    /// Consul's answer to a path it does not serve.
    static let unknownPath = ConsulError(status: .notFound, message: "Invalid URL path: not a recognized HTTP API endpoint")
}

/// The query of a Consul read, parsed as Go's `url.ParseQuery` does (`+` is a space, keys are
/// percent-decoded too, a key may repeat: `tag=a&tag=b`), with the parameters Consul's
/// catalog and health endpoints take.
struct ConsulRequest: Sendable {
    /// `?index=`: block until the answer changes after it (0 or absent: answer at once).
    var index: UInt64?
    /// `?wait=`: how long to block (default 5m, capped at 10m, as Consul does).
    var wait: Duration
    var filter = ConsulCatalogView.Filter()
    /// The parameters as given, for the content index's query key.
    var pairs: [(String, String)]

    static let defaultWait: Duration = .seconds(300)
    static let maxWait: Duration = .seconds(600)
    /// The datacenter Berth answers for; another `dc` is Consul's 500.
    static let datacenter = ConsulShapes.datacenter

    init(query: String?) throws(ConsulError) {
        let pairs = Self.parse(query ?? "")
        self.pairs = pairs
        wait = Self.defaultWait
        func values(_ name: String) -> [String] { pairs.filter { $0.0 == name }.map(\.1) }
        if let text = values("index").last {
            guard let value = UInt64(text) else { throw .badRequest("Invalid index: \"\(text.prefix(40))\" is not a non-negative integer") }
            index = value
        }
        if let text = values("wait").last {
            guard let value = DurationText.parse(text, max: nil) else {
                throw .badRequest("Invalid wait time: \"\(text.prefix(40))\" (use a Go duration such as 30s, 5m or 60000ms)")
            }
            wait = min(value, Self.maxWait)
        }
        if let dc = values("dc").last, !dc.isEmpty, dc != Self.datacenter {
            throw ConsulError(status: .internalServerError, message: "No path to datacenter")
        }
        if values("filter").contains(where: { !$0.isEmpty }) {
            throw .badRequest("Failed to create evaluator for expression: ?filter= (bexpr) is not supported by Berth's catalog; filter by tag, passing or node-meta")
        }
        filter.tags = values("tag")
        for meta in values("node-meta") {
            guard let colon = meta.firstIndex(of: ":") else { throw .badRequest("Invalid node-meta \"\(meta.prefix(80))\": expected KEY:VALUE") }
            filter.nodeMeta[String(meta[..<colon])] = String(meta[meta.index(after: colon)...])
        }
        if let passing = values("passing").last {
            switch passing.lowercased() {
            case "", "1", "true": filter.passingOnly = true
            case "0", "false": filter.passingOnly = false
            default: throw .badRequest("Invalid value for ?passing: \"\(passing.prefix(40))\"")
            }
        }
    }

    /// Whether the request asks to block.
    var blocks: Bool { (index ?? 0) > 0 }

    /// The query's identity for the content index: the path and the parameters that shape the
    /// answer (not `index`, `wait` or consistency modes).
    func key(path: String) -> String {
        let shaping = filter.tags.joined(separator: "\u{1}") + "\u{2}"
            + filter.nodeMeta.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: "\u{1}")
        return "\(path)\u{3}\(shaping)\u{3}\(filter.passingOnly)"
    }

    /// `a=1&b=&tag=x+y` → [("a","1"), ("b",""), ("tag","x y")].
    static func parse(_ query: String) -> [(String, String)] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { part in
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decode(pieces[0]), pieces.count > 1 ? decode(pieces[1]) : "")
        }
    }
}
