import ArgumentParser
import BerthClient

/// `berth node inspect`: the node's full JSON, as `docker inspect` shows it.
struct NodeInspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show a node's JSON.")

    @OptionGroup var options: ClientOptions

    @Argument(help: "The node's name.")
    var name: String

    func run() async throws {
        try await CLI.run(server: options.server) {
            let client = try options.client()
            PrettyJSON.print(try client.checked(try await client.get(APIPath.object("nodes", name))).body)
        }
    }
}
