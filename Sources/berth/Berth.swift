import ArgumentParser

/// The `berth` command: the server, the node agent, the load-balancer follower, backup and
/// restore, and kubectl-style client commands.
@main
struct Berth: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "berth",
        abstract: "Berth: a container-orchestration control plane.",
        subcommands: [
            ServeCommand.self, AgentCommand.self, LBCommand.self,
            NodeCommand.self, ServiceCommand.self, JobCommand.self, PsCommand.self, EventsCommand.self, LogsCommand.self,
            BackupCommand.self, RestoreCommand.self, TokenCommand.self, CheckCommand.self,
        ]
    )
}
