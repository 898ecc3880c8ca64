import ArgumentParser

/// The `berth` command: the server, backup and restore, and (later) client commands.
@main
struct Berth: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "berth",
        abstract: "Berth: a container-orchestration control plane.",
        subcommands: [ServeCommand.self, BackupCommand.self, RestoreCommand.self]
    )
}
