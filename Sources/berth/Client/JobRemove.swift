import ArgumentParser

/// `berth job rm`: deletes jobs with their containers.
struct JobRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove jobs and their containers.", aliases: ["remove"])

    @OptionGroup var options: ClientOptions

    @Argument(help: "The jobs' names.")
    var names: [String]

    func validate() throws {
        guard !names.isEmpty else { throw ValidationError("name at least one job") }
    }

    func run() async throws {
        try await CLI.run(server: options.server) {
            let client = try options.client()
            for name in names {
                _ = try await client.delete("jobs", name)
                Console.out(name)
            }
        }
    }
}
