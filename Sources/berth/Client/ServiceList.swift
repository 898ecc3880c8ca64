import ArgumentParser
import BerthClient
import BerthCore

/// `berth service ls`: every service with running/desired replicas, image, ports and VIP.
struct ServiceList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List services.", aliases: ["list"])

    @OptionGroup var options: ClientOptions
    @OptionGroup var format: OutputOptions

    func run() async throws {
        try await CLI.run(server: options.server) {
            let client = try options.client()
            let services = try await client.services()
            guard format.output == .table else { return PrettyJSON.print(services.reply.body) }
            let globalDesired = try await Self.globalDesired(services.value.items, client: client)
            var table = Table("name", "mode", "replicas", "image", "ports", "vip")
            for service in services.value.items {
                let desired = service.spec.mode == .global ? globalDesired[service.name, default: 0] : service.spec.replicas
                table.add([
                    service.name, service.spec.mode.rawValue, "\(service.runningReplicas)/\(desired)",
                    service.spec.template.image, Self.ports(service.spec.ports), service.vip ?? "",
                ])
            }
            table.print()
        }
    }

    /// A global service wants one container per eligible node: the containers the server keeps for it.
    static func globalDesired(_ services: [Service], client: BerthClient) async throws -> [String: Int] {
        guard services.contains(where: { $0.spec.mode == .global }) else { return [:] }
        let containers = try await client.containers().value.items
        var counts: [String: Int] = [:]
        for container in containers where container.desiredState == .running {
            if let service = container.service { counts[service, default: 0] += 1 }
        }
        return counts
    }

    /// `80->8080/tcp,53->5353/udp`, as docker shows published ports.
    static func ports(_ ports: [ServicePort]) -> String {
        ports.map { "\($0.port)->\($0.targetPort)/\($0.protocol.rawValue)" }.joined(separator: ",")
    }
}
