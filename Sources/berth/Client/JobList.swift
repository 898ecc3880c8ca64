import ArgumentParser
import BerthClient
import BerthCore

/// `berth job ls`: every job with its state and progress.
struct JobList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List jobs.", aliases: ["list"])

    @OptionGroup var options: ClientOptions
    @OptionGroup var format: OutputOptions

    func run() async throws {
        try await CLI.run(server: options.server) {
            let jobs = try await options.client().jobs()
            guard format.output == .table else { return PrettyJSON.print(jobs.reply.body) }
            var table = Table("name", "state", "succeeded", "active", "failed", "parallelism", "image")
            for job in jobs.value.items {
                let s = job.status
                table.add([
                    job.name, s.state.rawValue + (s.reason.map { " (\($0.rawValue))" } ?? ""), "\(s.succeeded)/\(job.spec.completions)",
                    "\(s.active)", "\(s.failed)", "\(job.spec.parallelism)", job.spec.template.image,
                ])
            }
            table.print()
        }
    }
}
