import ArgumentParser
import BerthClient
import Foundation

/// `berth job logs`: the output of a job's containers, oldest first, each under a header naming
/// its index, attempt and node. Reads the agents' log files, as `berth logs` does.
struct JobLogs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Show the logs of a job's containers.",
        discussion: "Reads <agent-dir>/<node>/logs/<id>.log, so run it on (or with access to) the nodes' agent directory."
    )

    @OptionGroup var options: ClientOptions

    @Argument(help: "The job's name.")
    var name: String

    @Option(help: "Only the containers of this completion index.")
    var index: Int?

    @Option(
        name: .customLong("agent-dir"),
        help: ArgumentHelp("The agents' state directory.", discussion: "Defaults to $BERTH_AGENT_DIR, else ./berth-agent.", valueName: "dir"),
        completion: .directory
    )
    var agentDirectory = ProcessInfo.processInfo.environment["BERTH_AGENT_DIR"] ?? "./berth-agent"

    func run() async throws {
        try await CLI.run(server: options.server) {
            let client = try options.client()
            _ = try await client.job(name)  // a 404 names the job, not an empty list
            let containers = try await client.containers(job: name).value.items.filter { index == nil || $0.jobIndex == index }
            for container in containers {
                let header = "==> \(container.id) index \(container.jobIndex.map(String.init) ?? "-") attempt \(container.attempt) "
                    + "on \(container.node ?? "no node") (\(container.state.rawValue)) <=="
                Console.out(header)
                guard let node = container.node else { continue }
                let path = URL(fileURLWithPath: agentDirectory).appendingPathComponent(node)
                    .appendingPathComponent("logs").appendingPathComponent("\(container.id).log").path
                guard FileManager.default.fileExists(atPath: path) else {
                    Console.out("(no log file at \(path))")
                    continue
                }
                var tail = LogTail(path: path)
                try tail.copyNew()
            }
        }
    }
}
