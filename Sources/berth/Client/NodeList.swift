import ArgumentParser
import BerthCore

/// `berth node ls`: every node with what it has allocated out of its capacity.
struct NodeList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List nodes.", aliases: ["list"])

    @OptionGroup var options: ClientOptions
    @OptionGroup var format: OutputOptions

    func run() async throws {
        try await CLI.run(server: options.server) {
            let nodes = try await options.client().nodes()
            guard format.output == .table else { return PrettyJSON.print(nodes.reply.body) }
            var table = Table("name", "status", "availability", "address", "cpu", "memory", "subnet", "labels")
            for node in nodes.value.items {
                table.add([
                    node.name, node.status.rawValue, node.availability.rawValue, node.address,
                    "\(node.allocated.cpu)m/\(node.capacity.cpu)m", "\(node.allocated.memory)Mi/\(node.capacity.memory)Mi",
                    node.subnet ?? "", Self.labels(node.labels),
                ])
            }
            table.print()
        }
    }

    /// `k=v,k2=v2`, sorted by key.
    static func labels(_ labels: [String: String]) -> String {
        labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }
}
