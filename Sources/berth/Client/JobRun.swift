import ArgumentParser
import BerthClient
import BerthCore

/// `berth job run`: creates a job from flags (refusing to replace one, `?cas=0`); with
/// `--wait`, follows it and exits 0 when it completes, 1 when it fails.
struct JobRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a job: containers until enough of them succeed.",
        discussion: """
            Everything after `--` is the container's command:
              berth job run resize --image worker:1 --completions 5 --parallelism 2 --wait -- resize-batch
            With --indexed each container gets BERTH_JOB_INDEX (0 to completions-1) and each index
            succeeds once. With --wait it prints progress and exits 0 when the job completes, 1 if it fails.
            """
    )

    @Argument(help: "The job's name (a DNS label).")
    var name: String

    @OptionGroup var job: JobSpecOptions

    @Flag(help: "Wait until the job completes (exit 0) or fails (exit 1), showing its progress.")
    var wait = false

    @Option(help: "How long --wait waits, like 10m.")
    var timeout = "1h"

    @OptionGroup var format: OutputOptions
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await CLI.run(server: options.server) {
            let spec = try job.spec()
            let timeout = try FlagParsing.durationValue(timeout, flag: "--timeout")
            let client = try options.client()
            let reply = try await client.put(APIPath.with(APIPath.object("jobs", name), [("cas", "0")]), json: spec)
            if reply.status == 409, APIFailure(reply).code == "cas_failed" {
                throw CLIError("job \(name) already exists")
            }
            let created = try client.checked(reply)
            let json = format.output == .json
            if !wait {
                return json ? PrettyJSON.print(created.body) : Console.out(name)
            }
            if !json { Console.out(name) }
            let final = try await JobFollower(client: client, name: name).waitUntilFinished(timeout: timeout, after: created.index ?? 0) { line in
                if !json { Console.out(line) }
            }
            if json { PrettyJSON.print(final.reply.body) }
            if final.value.status.state == .failed {
                // Exit 1 with one line, as every failing command.
                throw CLIError("job \(name) failed: \(final.value.status.reason?.rawValue ?? "failed") (\(final.value.status.failed) failed)")
            }
        }
    }
}
