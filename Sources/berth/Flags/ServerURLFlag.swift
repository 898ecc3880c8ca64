import ArgumentParser
import Foundation

/// A server's http(s) URL on the command line, checked once where ArgumentParser reads it.
struct ServerURLFlag: ExpressibleByArgument, Sendable, CustomStringConvertible {
    let url: URL

    init?(argument: String) {
        guard let url = URL(string: argument), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            return nil
        }
        self.url = url
    }

    /// `$BERTH_ADDR` when set and valid, else the local default.
    static var fromEnvironment: ServerURLFlag {
        let text = ProcessInfo.processInfo.environment["BERTH_ADDR"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:7480"
        return ServerURLFlag(argument: text) ?? ServerURLFlag(argument: "http://127.0.0.1:7480")!
    }

    var description: String { url.absoluteString }
    var defaultValueDescription: String { description }
}
