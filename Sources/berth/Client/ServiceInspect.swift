import ArgumentParser
import BerthClient

/// `berth service inspect`: the service's full JSON (spec with defaults, VIP, running replicas).
struct ServiceInspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show a service's JSON.")

    @OptionGroup var options: ClientOptions

    @Argument(help: "The service's name.")
    var name: String

    func run() async throws {
        try await CLI.run(server: options.server) {
            let client = try options.client()
            PrettyJSON.print(try client.checked(try await client.get(APIPath.object("services", name))).body)
        }
    }
}
