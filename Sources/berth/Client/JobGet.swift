import ArgumentParser
import BerthClient
import BerthCore

/// `berth job get`: a job's progress and its containers (`-o json`: the job's JSON).
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
}
