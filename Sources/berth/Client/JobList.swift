import ArgumentParser
import BerthClient
import BerthCore

/// `berth job ls`: every job with its state and progress; a periodic job with its schedule
/// and its last run's time; `--parent` lists one periodic job's runs.
struct JobList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List jobs.", aliases: ["list"])

    @Option(help: "Only the runs of this periodic job.")
    var parent: String?

    @OptionGroup var options: ClientOptions
    @OptionGroup var format: OutputOptions

    func run() async throws {
        try await CLI.run(server: options.server) {
            let jobs = try await options.client().jobs(parent: parent)
            guard format.output == .table else { return PrettyJSON.print(jobs.reply.body) }
            var table = Table("name", "state", "succeeded", "active", "failed", "parallelism", "schedule", "last run", "image")
            for job in jobs.value.items {
                let s = job.status
                let periodic = job.spec.schedule != nil
                table.add([
                    job.name, s.state.rawValue + (s.reason.map { " (\($0.rawValue))" } ?? ""),
                    periodic ? "-" : "\(s.succeeded)/\(job.spec.completions)", "\(s.active)", periodic ? "-" : "\(s.failed)",
                    "\(job.spec.parallelism)", job.spec.schedule.map { "\($0.expression) \(job.spec.timeZone)" } ?? "-",
                    s.lastScheduleTime.map { $0.formatted(.iso8601) } ?? "-", job.spec.template.image,
                ])
            }
            table.print()
        }
    }
}
