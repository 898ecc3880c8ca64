import ArgumentParser
import BerthClient
import BerthCore

/// `berth service update`: changes some of a service's settings and keeps the rest as stored,
/// with check-and-set so a concurrent edit is never lost. A changed template rolls out
/// according to the service's update settings.
struct ServiceUpdate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Change a service.",
        discussion: "Only the settings given change. Everything after `--` replaces the container's command."
    )

    @Argument(help: "The service's name.")
    var name: String

    @Option(help: "The new image.")
    var image: String?

    @Option(help: "The new replica count.")
    var replicas: Int?

    @Option(help: ArgumentHelp("Set an environment variable (repeatable).", valueName: "key=value"))
    var env: [String] = []

    @Option(name: .customLong("env-rm"), help: ArgumentHelp("Remove an environment variable (repeatable).", valueName: "key"))
    var envRemoved: [String] = []

    @Option(name: .customLong("constraint-add"), help: ArgumentHelp("Add a placement constraint (repeatable).", valueName: "expr"))
    var constraintsAdded: [String] = []

    @Option(name: .customLong("constraint-rm"), help: ArgumentHelp("Remove a placement constraint (repeatable).", valueName: "expr"))
    var constraintsRemoved: [String] = []

    @Option(name: .customLong("placement-pref-add"), help: ArgumentHelp("Add spread=ATTRIBUTE or prefer[:WEIGHT]=CONSTRAINT (repeatable).", valueName: "pref"))
    var preferencesAdded: [String] = []

    @Option(name: .customLong("placement-pref-rm"), help: ArgumentHelp("Remove a placement preference (repeatable).", valueName: "pref"))
    var preferencesRemoved: [String] = []

    @Option(name: .customLong("port-add"), help: ArgumentHelp("Publish a port (repeatable), as in create.", valueName: "port:target[/udp]"))
    var portsAdded: [String] = []

    @Option(name: .customLong("port-rm"), help: ArgumentHelp("Stop publishing a VIP port (repeatable).", valueName: "port"))
    var portsRemoved: [Int] = []

    @Option(name: .customLong("allow-from-add"), help: ArgumentHelp("Add an ingress rule (repeatable), as --allow-from in create.", valueName: "source[:port[/udp]]"))
    var allowFromAdded: [String] = []

    @Option(name: .customLong("allow-from-rm"), help: ArgumentHelp("Remove the ingress rule the same --allow-from made (repeatable).", valueName: "source[:port[/udp]]"))
    var allowFromRemoved: [String] = []

    @Flag(name: .customLong("allow-from-clear"), help: "Remove every ingress rule: the service accepts connections from anyone again.")
    var allowFromClear = false

    @OptionGroup var flags: ServiceSpecFlags
    @OptionGroup(title: "Security") var security: SecurityContextFlags

    @Argument(parsing: .postTerminator, help: "A new command for the containers, after `--`.")
    var command: [String] = []

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await CLI.run(server: options.server) {
            let edit = try Edit(self)
            guard !edit.isEmpty else { throw CLIError("nothing to change: give at least one setting (see berth service update --help)") }
            let client = try options.client()
            _ = try await client.readModifyWrite(APIPath.object("services", name), as: Service.self, modifyIndex: \.modifyIndex) { service in
                var spec = service.spec
                try edit.apply(to: &spec)
                return spec
            }
            Console.out(name)
        }
    }

    /// The parsed flags, checked before anything is read so a typo changes nothing.
    struct Edit {
        var source: ServiceUpdate
        var env: [(key: String, value: String)]
        var added: [PlacementPreference]
        var removed: [PlacementPreference]
        var ports: [ServicePort]
        var allowAdded: [IngressRule]
        var allowRemoved: [(text: String, rule: IngressRule)]

        init(_ source: ServiceUpdate) throws {
            self.source = source
            env = try source.env.map { try FlagParsing.keyValue($0, flag: "--env") }
            added = try source.preferencesAdded.map { try PlacementPreference(parsing: $0, flag: "--placement-pref-add") }
            removed = try source.preferencesRemoved.map { try PlacementPreference(parsing: $0, flag: "--placement-pref-rm") }
            ports = try source.portsAdded.map(FlagParsing.servicePort)
            allowAdded = try source.allowFromAdded.map { try AllowFromFlag.parse($0, flag: "--allow-from-add") }
            allowRemoved = try source.allowFromRemoved.map { ($0, try AllowFromFlag.parse($0, flag: "--allow-from-rm")) }
            _ = try source.security.parsed()
        }

        var isEmpty: Bool {
            source.flags.isEmpty && source.security.isEmpty && source.image == nil && source.replicas == nil && env.isEmpty && source.envRemoved.isEmpty
                && source.constraintsAdded.isEmpty && source.constraintsRemoved.isEmpty && added.isEmpty && removed.isEmpty
                && ports.isEmpty && source.portsRemoved.isEmpty && source.command.isEmpty
                && allowAdded.isEmpty && allowRemoved.isEmpty && !source.allowFromClear
        }

        func apply(to spec: inout ServiceSpec) throws {
            if let image = source.image { spec.template.image = image }
            if let replicas = source.replicas { spec.replicas = replicas }
            if !source.command.isEmpty { spec.template.command = source.command }
            for key in source.envRemoved { spec.template.env[key] = nil }
            for (key, value) in env { spec.template.env[key] = value }
            let dropped = try source.constraintsRemoved.map { try FlagParsing.constraint($0, flag: "--constraint-rm") }
            spec.constraints.removeAll { dropped.contains($0) }
            for constraint in try source.constraintsAdded.map({ try FlagParsing.constraint($0, flag: "--constraint-add") })
            where !spec.constraints.contains(constraint) {
                spec.constraints.append(constraint)
            }
            for preference in removed { preference.remove(from: &spec.placement) }
            for preference in added { preference.add(to: &spec.placement) }
            spec.ports.removeAll { source.portsRemoved.contains($0.port) }
            for port in ports {
                spec.ports.removeAll { $0.port == port.port && $0.protocol == port.protocol }
                spec.ports.append(port)
                ServiceCreateLists.declare(port, in: &spec.template)
            }
            try applyIngress(to: &spec)
            try source.flags.apply(to: &spec)
            try source.security.apply(to: &spec.template)
        }

        /// Clear, then remove, then add: `--allow-from-clear --allow-from-add api:80` replaces
        /// every rule with one. Removing a rule the service does not have is an error that lists
        /// the ones it has, since a typo would otherwise leave a source admitted.
        private func applyIngress(to spec: inout ServiceSpec) throws {
            if source.allowFromClear { spec.ingress = [] }
            for (text, rule) in allowRemoved {
                guard spec.ingress.contains(rule) else {
                    let have = spec.ingress.map { AllowFromFlag.text($0) ?? "(a rule with several sources or ports)" }
                    throw CLIError("--allow-from-rm \(text): the service has no such rule (it has: \(have.isEmpty ? "none" : have.joined(separator: ", ")))")
                }
                spec.ingress.removeAll { $0 == rule }
            }
            for rule in allowAdded where !spec.ingress.contains(rule) { spec.ingress.append(rule) }
        }
    }
}
