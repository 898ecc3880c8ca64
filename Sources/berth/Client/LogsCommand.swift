import ArgumentParser
import BerthClient
import Foundation

/// `berth logs`: a container's output. The agent keeps it on the node's machine, in
/// `<agent-dir>/<node>/logs/<id>.log`; the server only knows which node, so this command asks
/// the server and then reads the file (run it where the agent's state directory is).
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Show a container's logs.",
        discussion: "Reads <agent-dir>/<node>/logs/<id>.log, so run it on (or with access to) the node's agent directory."
    )

    @OptionGroup var options: ClientOptions

    @Argument(help: "The container's id, a unique id prefix, or its name.")
    var id: String

    @Option(
        name: .customLong("agent-dir"),
        help: ArgumentHelp("The agents' state directory.", discussion: "Defaults to $BERTH_AGENT_DIR, else ./berth-agent.", valueName: "dir"),
        completion: .directory
    )
    var agentDirectory = ProcessInfo.processInfo.environment["BERTH_AGENT_DIR"] ?? "./berth-agent"

    @Flag(name: [.short, .long], help: "Keep printing new output until interrupted.")
    var follow = false

    func run() async throws {
        try await CLI.run(server: options.server) {
            let container = try await ContainerLookup(client: options.client()).find(id)
            guard let node = container.node else {
                let why = container.reason.map { ": \($0)" } ?? ""
                throw CLIError("container \(container.id) has no logs: it is not on a node yet (\(container.state.rawValue)\(why))")
            }
            let path = URL(fileURLWithPath: agentDirectory).appendingPathComponent(node)
                .appendingPathComponent("logs").appendingPathComponent("\(container.id).log").path
            guard FileManager.default.fileExists(atPath: path) else {
                throw CLIError("no log file for container \(container.id) at \(path) (it runs on node \(node); "
                    + "set --agent-dir or BERTH_AGENT_DIR to that agent's state directory)")
            }
            var tail = LogTail(path: path)
            try tail.copyNew()
            if follow { try await tail.follow() }
        }
    }
}
