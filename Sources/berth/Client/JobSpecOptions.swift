import ArgumentParser
import BerthCore

/// The flags that describe a job's runs, shared by `berth job run` and `berth job create`.
struct JobSpecOptions: ParsableArguments {
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

    @Argument(parsing: .postTerminator, help: "The container's command, after `--`.")
    var command: [String] = []

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
}
