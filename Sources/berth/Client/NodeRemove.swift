import ArgumentParser
import BerthClient

/// `berth node rm`: forgets a node (the server refuses while it still holds containers).
struct NodeRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove nodes.", aliases: ["remove"])

    @OptionGroup var options: ClientOptions

    @Argument(help: "The nodes' names.")
    var names: [String]

    func validate() throws {
        guard !names.isEmpty else { throw ValidationError("name at least one node") }
    }

    func run() async throws {
        try await CLI.run(server: options.server) {
            let client = try options.client()
            for name in names {
                _ = try await client.delete("nodes", name)
                Console.out(name)
            }
        }
    }
}
