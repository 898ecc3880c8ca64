import ArgumentParser
import BerthClient
import Foundation

/// The options every client command shares: which server to talk to. Kept in one place so
/// `--server` and its `BERTH_ADDR` default mean the same thing in every command.
struct ClientOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The server's URL.", discussion: "Defaults to $BERTH_ADDR, else http://127.0.0.1:7480.", valueName: "url"))
    var server = ProcessInfo.processInfo.environment["BERTH_ADDR"] ?? "http://127.0.0.1:7480"

    @Option(help: ArgumentHelp("A file holding the bearer token.", discussion: "Defaults to $BERTH_TOKEN.", valueName: "path"))
    var tokenFile: String?

    @Option(help: ArgumentHelp("PEM CA certificates to trust for an https server.", discussion: "Defaults to $BERTH_CA_FILE.", valueName: "path"))
    var caFile: String?

    /// A client for `--server`; a malformed URL is a one-line failure like any other.
    func client() throws -> BerthClient {
        guard let url = URL(string: server), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw CLIError("--server is not an http URL: \(server)")
        }
        return BerthClient(server: url, token: try Credentials.token(file: tokenFile), caFile: try Credentials.caFile(caFile))
    }
}

/// `-o/--output` for commands that print objects.
struct OutputOptions: ParsableArguments {
    @Option(name: [.short, .long], help: "Output format: table, or json (the API's JSON, for scripts).")
    var output: OutputFormat = .table
}

/// How objects are printed: an aligned table for people, the API's JSON for scripts.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case table
    case json
}
