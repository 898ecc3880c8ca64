import ArgumentParser
import BerthClient
import Foundation

/// `berth backup`: saves a running server's consistent snapshot as one SQLite file.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "backup", abstract: "Save an online backup of a running server.")

    @OptionGroup var connection: ClientOptions

    @Option(help: "Where to write the backup file.")
    var out: String

    func run() async throws {
        let client = try connection.client()
        let reply: BerthClient.Reply
        do {
            reply = try client.expectOK(try await client.get("/v1/backup"))
        } catch {
            throw CleanExit.failure("berth backup: \(error)")
        }
        let partial = out + ".partial"
        try reply.body.write(to: URL(fileURLWithPath: partial))
        guard rename(partial, out) == 0 else {
            throw CleanExit.failure("berth backup: cannot move \(partial) to \(out): \(String(cString: strerror(errno)))")
        }
        print("backup of index \(reply.index ?? 0) written to \(out) (\(reply.body.count) bytes)")
    }
}

extension CleanExit {
    /// Ends the command with a one-line message on stderr and exit status 1.
    static func failure(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        return ExitCode.failure
    }
}
