import ArgumentParser
import BerthCore
import BerthStore
import Foundation

/// `berth restore`: puts a backup in place of a stopped server's database.
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup file over a database (the server must be stopped).",
        discussion: "The backup is checked first (integrity, Berth schema, version); the old database is kept aside."
    )

    @Option(help: "The backup file.")
    var from: String

    @Option(help: "The database file to restore into.")
    var db = "./berth.db"

    func run() throws {
        do {
            let (info, keptAt) = try Restore.restore(from: from, to: db, clock: SystemClock())
            print("restored \(db) to index \(info.index) (schema \(info.schemaVersion)): "
                + "\(info.nodes) nodes, \(info.services) services, \(info.containers) containers")
            if let keptAt { print("the previous database was kept at \(keptAt)") }
        } catch let error as BerthStoreError {
            throw CleanExit.failure("berth restore: \(error.description)")
        }
    }
}
