import ArgumentParser
import BerthClient
import BerthCore

/// `berth service scale web=5 api=3`: changes replica counts without losing concurrent edits
/// (read, modify, write back with check-and-set).
struct ServiceScale: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scale", abstract: "Change services' replica counts.")

    @OptionGroup var options: ClientOptions

    @Argument(help: ArgumentHelp("Services and their new replica counts.", valueName: "service=replicas"))
    var targets: [String]

    @Flag(help: "Wait until every replica is running.")
    var wait = false

    @Option(help: "How long --wait waits for each service, like 60s or 2m.")
    var timeout = "60s"

    func validate() throws {
        guard !targets.isEmpty else { throw ValidationError("name at least one service=replicas") }
    }

    func run() async throws {
        try await CLI.run(server: options.server) {
            let timeout = try FlagParsing.durationValue(timeout, flag: "--timeout")
            let changes = try targets.map { text in
                let (name, count) = try FlagParsing.keyValue(text, flag: "scale")
                guard let replicas = Int(count) else { throw CLIError("scale \"\(text)\": expected SERVICE=REPLICAS, like web=5") }
                return (name: name, replicas: replicas)
            }
            let client = try options.client()
            for change in changes {
                let reply = try await client.readModifyWrite(APIPath.object("services", change.name), as: Service.self, modifyIndex: \.modifyIndex) { service in
                    guard service.spec.mode == .replicated else {
                        throw CLIError("service \(change.name) is global (one container per eligible node): it cannot be scaled")
                    }
                    var spec = service.spec
                    spec.replicas = change.replicas
                    return spec
                }
                Console.out("\(change.name) scaled to \(change.replicas)")
                if wait {
                    _ = try await ServiceFollower(client: client, name: change.name)
                        .waitUntilRunning(timeout: timeout, after: reply.index ?? 0) { Console.out($0) }
                }
            }
        }
    }
}
