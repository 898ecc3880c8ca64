import ArgumentParser
import BerthClient
import BerthCore

/// `berth service create`: builds a service spec from docker-style flags and creates it, refusing
/// to replace an existing service (`?cas=0`). With `--wait`, follows it until every replica runs.
struct ServiceCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a service.",
        discussion: """
            Everything after `--` is the container's command:
              berth service create web --image nginx:1.27 --replicas 3 \\
                --port 80:8080 -- nginx -g 'daemon off;'
            """
    )

    @Argument(help: "The service's name (a DNS label).")
    var name: String

    @Option(help: "The container image.")
    var image: String

    @Option(help: "Replicas to run (replicated mode; default 1).")
    var replicas: Int?

    @Option(help: "replicated (a count) or global (one per eligible node).", completion: .list(FlagParsing.words(ServiceMode.self)))
    var mode: String?

    @OptionGroup var lists: ServiceCreateLists
    @OptionGroup var flags: ServiceSpecFlags
    @OptionGroup(title: "Security") var security: SecurityContextFlags

    @Flag(help: "Wait until every replica is running.")
    var wait = false

    @Option(help: "How long --wait waits, like 60s or 2m.")
    var timeout = "60s"

    @Argument(parsing: .postTerminator, help: "The container's command, after `--`.")
    var command: [String] = []

    @OptionGroup var format: OutputOptions
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await CLI.run(server: options.server) {
            var spec = ServiceSpec(template: ContainerTemplate(image: image, command: command))
            if let mode { spec.mode = try FlagParsing.choice(mode, flag: "--mode") }
            if let replicas { spec.replicas = replicas }
            try lists.apply(to: &spec)
            try flags.apply(to: &spec)
            try security.apply(to: &spec.template)
            let timeout = try FlagParsing.durationValue(timeout, flag: "--timeout")

            let client = try options.client()
            let reply = try await client.put(APIPath.with(APIPath.object("services", name), [("cas", "0")]), json: spec)
            if reply.status == 409, APIFailure(reply).code == "cas_failed" {
                throw CLIError("service \(name) already exists")
            }
            let created = try client.checked(reply)
            let json = format.output == .json
            if !wait {
                return json ? PrettyJSON.print(created.body) : Console.out(name)
            }
            if !json { Console.out(name) }
            let follower = ServiceFollower(client: client, name: name)
            let final = try await follower.waitUntilRunning(timeout: timeout, after: created.index ?? 0) { line in
                if !json { Console.out(line) }
            }
            if json { PrettyJSON.print(final.body) }
        }
    }
}
