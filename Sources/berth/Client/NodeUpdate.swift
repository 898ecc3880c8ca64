import ArgumentParser
import BerthClient
import BerthCore

/// `berth node update`: changes a node's availability or labels without losing a concurrent
/// change (read, modify, write back with check-and-set).
struct NodeUpdate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Change a node's availability or labels.",
        discussion: "pause stops new placements on the node; drain also moves its service containers elsewhere."
    )

    @OptionGroup var options: ClientOptions

    @Argument(help: "The node's name.")
    var name: String

    @Option(help: "active, pause or drain.", completion: .list(FlagParsing.words(Availability.self)))
    var availability: String?

    @Option(name: .customLong("label"), help: ArgumentHelp("Set a label (repeatable).", valueName: "key=value"))
    var labels: [String] = []

    @Option(name: .customLong("label-rm"), help: ArgumentHelp("Remove a label (repeatable).", valueName: "key"))
    var removedLabels: [String] = []

    func run() async throws {
        try await CLI.run(server: options.server) {
            let availability: Availability? = try availability.map { try FlagParsing.choice($0, flag: "--availability") }
            let added = try labels.map { try FlagParsing.keyValue($0, flag: "--label") }
            guard availability != nil || !added.isEmpty || !removedLabels.isEmpty else {
                throw CLIError("nothing to change: give --availability, --label or --label-rm")
            }
            let client = try options.client()
            _ = try await client.readModifyWrite(APIPath.object("nodes", name), as: Node.self, modifyIndex: \.modifyIndex) { node in
                var spec = NodeSpec(
                    address: node.address, labels: node.labels, capacity: node.capacity, availability: node.availability, vtepMAC: node.vtepMAC
                )
                if let availability { spec.availability = availability }
                for key in removedLabels { spec.labels[key] = nil }
                for (key, value) in added { spec.labels[key] = value }
                return spec
            }
            Console.out(name)
        }
    }
}
