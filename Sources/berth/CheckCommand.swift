import ArgumentParser
import BerthStore
import Foundation

/// `berth check`: verifies a database file offline (a running server may hold it): integrity,
/// schema version and the cluster invariants. Exits 1 when anything is wrong.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verify a database: integrity, schema version, cluster invariants.",
        discussion: "Checks capacity (no node overcommitted), unique container IPs and their leases, one node per "
            + "placed container, and that the change index is ahead of every object. Prints each problem."
    )

    @Option(help: "The database file to check.")
    var db = "./berth.db"

    func run() throws {
        let report: CheckReport
        do {
            report = try ClusterCheck.run(path: db)
        } catch let error as BerthStoreError {
            throw CleanExit.failure("berth check: \(error.description)")
        }
        print("integrity: \(report.integrity.prefix(5).joined(separator: "; "))")
        print("schema: \(report.schemaVersion ?? "none") (this berth knows up to \(SchemaMigrator.knownVersions.last ?? "none"))")
        print("change index: \(report.index)")
        for note in report.notes { print("note: \(note)") }
        for problem in report.problems { print("problem: \(problem)") }
        guard report.isHealthy else {
            throw CleanExit.failure("berth check: \(db) is NOT healthy (\(report.problems.count) problem(s))")
        }
        print("\(db) is healthy")
    }
}
