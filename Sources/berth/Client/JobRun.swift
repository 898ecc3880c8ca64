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

    @Option(help: "The container image.")
    var image: String

    @Option(help: "Successful containers (or indexes) that complete the job (default 1).")
    var completions: Int?

    @Option(help: "Containers running at once, at most (default 1; 0 pauses).")
    var parallelism: Int?

    @Flag(help: "Give each container BERTH_JOB_INDEX; complete when every index succeeded once.")
    var indexed = false

    @Option(name: .customLong("backoff-limit"), help: "Failures tolerated before the job fails (default 6).")
    var backoffLimit: Int?

    @Option(name: .customLong("retry-delay"), help: ArgumentHelp("Wait before the first retry, doubled per failure (default 10s).", valueName: "duration"))
    var retryDelay: DurationFlag?

    @Option(name: .customLong("active-deadline"), help: ArgumentHelp("Fail the job if it runs longer than this.", valueName: "duration"))
    var activeDeadline: DurationFlag?

    @Option(name: .customLong("ttl"), help: ArgumentHelp("Delete the job and its containers this long after it finished.", valueName: "duration"))
    var ttl: DurationFlag?

    @Option(help: "never (default: a retry is placed afresh) or on-failure (a retry prefers the node it failed on).", completion: .list(["never", "on-failure"]))
    var restart: String?

    @Option(help: "CPU request in millicores (1000 = one core).")
    var cpu: Int?

    @Option(help: "Memory request in MiB.")
    var memory: Int?

    @Option(help: ArgumentHelp("A placement constraint, like node.labels.zone==a (repeatable).", valueName: "expr"))
    var constraint: [String] = []

    @Option(help: ArgumentHelp("An environment variable (repeatable).", valueName: "key=value"))
    var env: [String] = []

    @Flag(help: "Wait until the job completes (exit 0) or fails (exit 1), showing its progress.")
    var wait = false

    @Option(help: "How long --wait waits, like 10m.")
    var timeout = "1h"

    @Argument(parsing: .postTerminator, help: "The container's command, after `--`.")
    var command: [String] = []

    @OptionGroup var format: OutputOptions
    @OptionGroup var options: ClientOptions

    func spec() throws -> JobSpec {
        var spec = JobSpec(template: ContainerTemplate(image: image, command: command, restartPolicy: .never))
        if let restart { spec.template.restartPolicy = try FlagParsing.choice(restart, flag: "--restart") }
        if let completions { spec.completions = completions }
        if let parallelism { spec.parallelism = parallelism }
        if indexed { spec.completionMode = .indexed }
        if let backoffLimit { spec.backoffLimit = backoffLimit }
        if let retryDelay { spec.retryDelay = retryDelay.value }
        spec.activeDeadline = activeDeadline?.value
        spec.ttlAfterFinished = ttl?.value
        if let cpu { spec.template.resources.cpu = cpu }
        if let memory { spec.template.resources.memory = memory }
        for text in constraint {
            spec.constraints.append(try FlagParsing.constraint(text, flag: "constraints[\(spec.constraints.count)]"))
        }
        for text in env {
            let (key, value) = try FlagParsing.keyValue(text, flag: "--env")
            spec.template.env[key] = value
        }
        return spec
    }

    func run() async throws {
        try await CLI.run(server: options.server) {
            let spec = try self.spec()
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
