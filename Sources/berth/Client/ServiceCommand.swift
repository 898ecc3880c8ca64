import ArgumentParser

/// `berth service`: desired sets of identical containers, as `docker service`.
struct ServiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service",
        abstract: "Manage services.",
        subcommands: [
            ServiceCreate.self, ServiceList.self, ServiceInspect.self, ServiceScale.self, ServiceUpdate.self,
            ServiceRemove.self,
        ]
    )
}
