import ArgumentParser
import BerthClient
import BerthCore

/// `berth job create --schedule`: creates a periodic job (refusing to replace one, `?cas=0`):
/// a parent that starts a run of the job described by `job run`'s flags at each fire time.
struct JobCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a periodic job: a run of the job at each time its schedule names.",
        discussion: """
            Takes `berth job run`'s flags; everything after `--` is the container's command:
              berth job create report --schedule '@every 1m' --concurrency-policy forbid --image worker:1 -- make-report
            Each run is a job named <name>-<unix seconds>, listed by `berth job ls --parent NAME`.
            """
    )

    @Argument(help: "The periodic job's name (a DNS label of at most 52 characters).")
    var name: String

    @Option(help: ArgumentHelp("When runs fall due: five-field cron, @hourly, @daily, or @every 30s.", valueName: "schedule"))
    var schedule: String

    @Option(name: .customLong("time-zone"), help: ArgumentHelp("The IANA time zone of the schedule (default UTC).", valueName: "zone"))
    var timeZone: String?

    @Option(
        name: .customLong("concurrency-policy"), help: "A run due while another is active: allow (default), forbid or replace.",
        completion: .list(ConcurrencyPolicy.allCases.map(\.rawValue))
    )
    var concurrencyPolicy: String?

    @Option(name: .customLong("starting-deadline"), help: ArgumentHelp("Skip a run found due more than this late.", valueName: "duration"))
    var startingDeadline: DurationFlag?

    @Option(name: .customLong("successful-history"), help: "Completed runs kept (default 3).")
    var successfulHistory: Int?

    @Option(name: .customLong("failed-history"), help: "Failed runs kept (default 1).")
    var failedHistory: Int?

    @Flag(help: "Create it suspended: no run starts until `berth job resume`.")
    var suspend = false

    @OptionGroup var job: JobSpecOptions
    @OptionGroup var format: OutputOptions
    @OptionGroup var options: ClientOptions

    func spec() throws -> JobSpec {
        var spec = try job.spec()
        do {
            spec.schedule = try CronSchedule(parsing: schedule)
        } catch {
            throw CLIError("--schedule: \(error.message)")
        }
        if let timeZone { spec.timeZone = timeZone }
        if let concurrencyPolicy { spec.concurrencyPolicy = try FlagParsing.choice(concurrencyPolicy, flag: "--concurrency-policy") }
        spec.startingDeadline = startingDeadline?.value
        if let successfulHistory { spec.successfulJobsHistoryLimit = successfulHistory }
        if let failedHistory { spec.failedJobsHistoryLimit = failedHistory }
        spec.suspend = suspend
        return spec
    }

    func run() async throws {
        try await CLI.run(server: options.server) {
            let spec = try self.spec()
            let client = try options.client()
            let reply = try await client.put(APIPath.with(APIPath.object("jobs", name), [("cas", "0")]), json: spec)
            if reply.status == 409, APIFailure(reply).code == "cas_failed" {
                throw CLIError("job \(name) already exists")
            }
            let created = try client.checked(reply)
            format.output == .json ? PrettyJSON.print(created.body) : Console.out(name)
        }
    }
}
