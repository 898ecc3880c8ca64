import ArgumentParser
import BerthClient
import BerthCore

/// `berth job suspend`: stops a job's running containers (not counted as failures) and starts
/// none until resumed.
struct JobSuspend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "suspend", abstract: "Suspend a job.")

    @OptionGroup var options: ClientOptions

    @Argument(help: "The job's name.")
    var name: String

    func run() async throws {
        try await CLI.run(server: options.server) { try await JobSuspension.set(true, name: name, options: options) }
    }
}

/// `berth job resume`: lets a suspended job run again.
struct JobResume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume a suspended job.")

    @OptionGroup var options: ClientOptions

    @Argument(help: "The job's name.")
    var name: String

    func run() async throws {
        try await CLI.run(server: options.server) { try await JobSuspension.set(false, name: name, options: options) }
    }
}

enum JobSuspension {
    /// Writes `suspend` back with the job's `modifyIndex` (`readModifyWrite`), leaving the rest.
    static func set(_ suspend: Bool, name: String, options: ClientOptions) async throws {
        let client = try options.client()
        _ = try await client.readModifyWrite(APIPath.object("jobs", name), as: Job.self, modifyIndex: \.modifyIndex) { job in
            var spec = job.spec
            spec.suspend = suspend
            return spec
        }
        Console.out(name)
    }
}
