import ArgumentParser
import BerthCore

/// The flags only `service create` takes: the lists `service update` edits with `-add`/`-rm`.
struct ServiceCreateLists: ParsableArguments {
    @Option(help: ArgumentHelp("A placement constraint, like node.labels.zone==a (repeatable).", valueName: "expr"))
    var constraint: [String] = []

    @Option(name: .customLong("placement-pref"), help: ArgumentHelp("spread=node.labels.KEY, or prefer[:WEIGHT]=CONSTRAINT (repeatable).", valueName: "pref"))
    var placementPrefs: [String] = []

    @Option(help: ArgumentHelp("Publish PORT on the VIP to TARGET in the containers (repeatable); declares the container port p<TARGET> unless declared.", valueName: "port:target[/udp]"))
    var port: [String] = []

    @Option(name: .customLong("container-port"), help: ArgumentHelp("A named port the container listens on (repeatable).", valueName: "name=port[/udp]"))
    var containerPorts: [String] = []

    @Option(help: ArgumentHelp("An environment variable (repeatable).", valueName: "key=value"))
    var env: [String] = []

    @Option(name: .customLong("allow-from"), help: ArgumentHelp(
        "Accept connections only from the sources allowed (repeatable; none: from anyone). SOURCE is a service, a network like 10.0.0.0/8, or * for any; PORT the containers' port; no PORT: every port.",
        valueName: "source[:port[/udp]]"))
    var allowFrom: [String] = []

    func apply(to spec: inout ServiceSpec) throws {
        // Named as the server names the field: the rule's place in the spec's list.
        for text in constraint {
            spec.constraints.append(try FlagParsing.constraint(text, flag: "constraints[\(spec.constraints.count)]"))
        }
        for text in placementPrefs { try PlacementPreference(parsing: text).add(to: &spec.placement) }
        for text in env {
            let (key, value) = try FlagParsing.keyValue(text, flag: "--env")
            spec.template.env[key] = value
        }
        for text in containerPorts { spec.template.ports.append(try FlagParsing.containerPort(text)) }
        for text in port {
            let published = try FlagParsing.servicePort(text)
            spec.ports.append(published)
            Self.declare(published, in: &spec.template)
        }
        for text in allowFrom { spec.ingress.append(try AllowFromFlag.parse(text, flag: "--allow-from")) }
    }

    /// Declares the container port a published port forwards to, unless the template has it.
    static func declare(_ published: ServicePort, in template: inout ContainerTemplate) {
        let target = published.targetPort
        guard !template.ports.contains(where: { $0.containerPort == target && $0.protocol == published.protocol }) else { return }
        let name = published.protocol == .tcp ? "p\(target)" : "p\(target)-\(published.protocol.rawValue)"
        template.ports.append(ContainerPort(name: name, containerPort: target, protocol: published.protocol))
    }
}
