import ArgumentParser

/// `berth node`: list, inspect, drain and remove the machines that run containers.
/// Nodes are registered by their agents, so there is no `create`.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Manage nodes.",
        subcommands: [NodeList.self, NodeInspect.self, NodeUpdate.self, NodeRemove.self]
    )
}
