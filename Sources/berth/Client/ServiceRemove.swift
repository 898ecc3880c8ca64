import ArgumentParser

/// `berth service rm`: deletes services; their containers are told to stop.
struct ServiceRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove services.", aliases: ["remove"])

    @OptionGroup var options: ClientOptions

    @Argument(help: "The services' names.")
    var names: [String]

    func validate() throws {
        guard !names.isEmpty else { throw ValidationError("name at least one service") }
    }

    func run() async throws {
        try await CLI.run(server: options.server) {
            let client = try options.client()
            for name in names {
                _ = try await client.delete("services", name)
                Console.out(name)
            }
        }
    }
}
