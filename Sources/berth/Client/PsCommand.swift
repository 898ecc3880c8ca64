import ArgumentParser
import BerthClient
import BerthCore
import Foundation

/// `berth ps`: containers, where they run and why they are not running. Containers that were
/// told to stop and have stopped are history, hidden unless `-a`.
struct PsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ps", abstract: "List containers.")

    @OptionGroup var options: ClientOptions
    @OptionGroup var format: OutputOptions

    @Option(help: "Only this service's containers.")
    var service: String?

    @Option(help: "Only containers on this node.")
    var node: String?

    @Option(help: "Only containers in this state.", completion: .list(FlagParsing.words(ContainerState.self)))
    var state: String?

    @Flag(name: [.short, .long], help: "Also show containers that were stopped on purpose.")
    var all = false

    func run() async throws {
        try await CLI.run(server: options.server) {
            let listed = try await options.client().containers(service: service, node: node, state: state)
            let containers = listed.value.items.filter { all || !Self.isHistory($0) }
            guard format.output == .table else { return PrettyJSON.print(try Self.encode(containers)) }
            var table = Table("id", "name", "node", "ip", "state", "desired", "reason")
            for container in containers {
                table.add([
                    container.id, container.name ?? container.service ?? "", container.node ?? "", container.ip ?? "",
                    container.state.rawValue, container.desiredState.rawValue, container.reason ?? "",
                ])
            }
            table.print()
        }
    }

    /// Stopped on purpose and done: no longer part of what runs.
    static func isHistory(_ container: Container) -> Bool {
        container.desiredState == .stopped && container.state.isTerminal
    }

    /// The shown containers as the API's `{"items": [...]}`, encoded the way the server encodes them.
    static func encode(_ containers: [Container]) throws -> Data {
        struct Items: Encodable { var items: [Container] }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return try encoder.encode(Items(items: containers))
    }
}
