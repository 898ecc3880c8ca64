import ArgumentParser
import BerthClient
import BerthCore

/// `berth job get`: a job's progress and its containers; a periodic job's schedule, last run
/// and runs (`-o json`: the job's JSON).
struct JobGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Show a job and its containers.", aliases: ["inspect"])

    @OptionGroup var options: ClientOptions
    @OptionGroup var format: OutputOptions

    @Argument(help: "The job's name.")
    var name: String

    func run() async throws {
        try await CLI.run(server: options.server) {
            let client = try options.client()
            let job = try await client.job(name)
            guard format.output == .table else { return PrettyJSON.print(job.reply.body) }
            if let schedule = job.value.spec.schedule { return try await periodic(job.value, schedule: schedule, client: client) }
            Console.out(JobFollower.line(job.value))
            if !job.value.status.completedIndexes.isEmpty { Console.out("completed indexes: \(job.value.status.completedIndexes)") }
            let containers = try await client.containers(job: name).value.items
            guard !containers.isEmpty else { return }
            var table = Table("id", "index", "attempt", "node", "state", "exit", "reason")
            for c in containers {
                table.add([
                    c.id, c.jobIndex.map(String.init) ?? "", "\(c.attempt)", c.node ?? "", c.state.rawValue,
                    c.exitCode.map(String.init) ?? "", c.reason ?? "",
                ])
            }
            table.print()
        }
    }

    /// A periodic job: its schedule and status, then its runs as `berth job ls` shows jobs.
    private func periodic(_ job: Job, schedule: CronSchedule, client: BerthClient) async throws {
        let s = job.status
        Console.out("\(job.name): \(s.state.rawValue), schedule \(schedule.expression) (\(job.spec.timeZone)), concurrencyPolicy \(job.spec.concurrencyPolicy.rawValue)")
        Console.out("last scheduled: \(s.lastScheduleTime.map { $0.formatted(.iso8601) } ?? "never"), last succeeded: \(s.lastSuccessfulTime.map { $0.formatted(.iso8601) } ?? "never")")
        let runs = try await client.jobs(parent: job.name).value.items
        guard !runs.isEmpty else { return }
        var table = Table("run", "state", "succeeded", "active", "failed")
        for run in runs {
            table.add([run.name, run.status.state.rawValue, "\(run.status.succeeded)/\(run.spec.completions)", "\(run.status.active)", "\(run.status.failed)"])
        }
        table.print()
    }
}
