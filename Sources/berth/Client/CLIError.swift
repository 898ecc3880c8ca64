import ArgumentParser
import BerthClient
import Foundation

/// A failure the CLI found itself (a malformed flag, a missing log file), in the words it shows.
struct CLIError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}

/// Turns any failure of a client command into the one line `berth: <what went wrong>` on stderr
/// and exit status 1, so scripts can rely on a single readable line.
enum CLI {
    /// Runs `body`, reporting failures in one line; `server` names the server for connection errors.
    static func run(server: String, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw CleanExit.failure("berth: " + message(for: error, server: server))
        }
    }

    static func message(for error: any Error, server: String) -> String {
        switch error {
        case let error as APIFailure:
            return error.message
        case let error as CLIError:
            return error.description
        case ClientError.unreachable(_, let detail):
            return "cannot reach the server at \(server): \(detail)"
        case is DecodingError:
            return "the server at \(server) sent an answer this client does not understand: \(error)"
        default:
            let text = String(describing: error)
            return text.replacingOccurrences(of: "\n", with: " ")
        }
    }
}
