import BerthLab
import Foundation

/// What each lab node's kernel did to its routes, with the kernel's own timing: one
/// `ip -ts monitor route` per node namespace, writing to a file, read back on demand. Watching
/// this way costs nothing while waiting (polling `ip route` in 50 namespaces every few
/// milliseconds would load the very machine being measured).
final class RouteMonitor: @unchecked Sendable {
    private let lab: NetworkLab
    private let folder: String
    private let parser: DateFormatter

    init(lab: NetworkLab, folder: String) {
        self.lab = lab
        self.folder = folder
        parser = DateFormatter()
        parser.locale = Locale(identifier: "en_US_POSIX")
        parser.timeZone = TimeZone.current  // `ip -ts` prints local time
        parser.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSSSS"
    }

    func log(_ node: NetworkLab.Node) -> String { "\(folder)/routes-\(node.name).log" }

    /// Starts the monitor of `node`; it runs until the lab's teardown.
    func watch(_ node: NetworkLab.Node) throws {
        try lab.spawn(node.namespace, ["ip", "-ts", "monitor", "route"], log: log(node))
    }

    /// When `node` first added (or, with `deleted`, deleted) a route to `subnet` at or after
    /// `since`, as the monitor printed it.
    func change(_ subnet: String, on node: NetworkLab.Node, since: Date, deleted: Bool = false) -> Date? {
        guard let text = try? String(contentsOfFile: log(node), encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            guard line.hasPrefix("["), let close = line.firstIndex(of: "]") else { continue }
            var rest = line[line.index(after: close)...].drop { $0 == " " }
            let isDelete = rest.hasPrefix("Deleted ")
            if isDelete { rest = rest.dropFirst("Deleted ".count) }
            guard isDelete == deleted, rest.hasPrefix(subnet + " "),
                  let at = parser.date(from: String(line[line.index(after: line.startIndex)..<close])), at >= since else { continue }
            return at
        }
        return nil
    }
}
