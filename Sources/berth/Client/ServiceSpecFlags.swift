import ArgumentParser
import BerthCore

/// The service settings `create` and `update` share. Each flag changes only what it names, so
/// `update` keeps everything else as the server has it.
struct ServiceSpecFlags: ParsableArguments {
    @Option(help: "CPU request in millicores (1000 = one core).")
    var cpu: Int?

    @Option(help: "Memory request in MiB.")
    var memory: Int?

    @Option(name: .customLong("health-http"), help: ArgumentHelp("HTTP path the agent probes on the first port.", valueName: "path"))
    var healthHTTP: String?

    @Option(name: .customLong("health-interval"), help: ArgumentHelp("Time between probes (default 5s).", valueName: "duration"))
    var healthInterval: DurationFlag?

    @Option(name: .customLong("health-timeout"), help: ArgumentHelp("Time a probe may take (default 2s).", valueName: "duration"))
    var healthTimeout: DurationFlag?

    @Option(help: "When to replace an exited container: always, on-failure or never.", completion: .list(FlagParsing.words(RestartPolicy.self)))
    var restart: String?

    @Option(help: "spread (fewest replicas first) or binpack (fullest node first).", completion: .list(FlagParsing.words(PlacementStrategy.self)))
    var strategy: String?

    @Option(name: .customLong("max-per-node"), help: "At most this many replicas on one node (0: no limit).")
    var maxPerNode: Int?

    @Option(name: .customLong("lb"), help: "Load balancing: roundRobin, random, leastConn (proxies only; the VIP spreads it like random) or sourceHash (a client keeps its target).", completion: .list(FlagParsing.words(LoadBalancerAlgorithm.self)))
    var loadBalancer: String?

    @Option(name: .customLong("affinity-timeout"), help: ArgumentHelp("With --lb sourceHash: how long a client keeps its target after its last new connection (default 3h).", valueName: "duration"))
    var affinityTimeout: DurationFlag?

    @Option(
        name: .customLong("endpoint-mode"), help: "What NAME.service.berth answers: vip (the service's virtual IP) or dnsrr (its healthy containers' IPs, rotated).",
        completion: .list(FlagParsing.words(EndpointMode.self))
    )
    var endpointMode: String?

    @Option(name: .customLong("update-parallelism"), help: "Containers replaced at a time when the template changes.")
    var updateParallelism: Int?

    @Option(name: .customLong("update-order"), help: "stop-first or start-first.", completion: .list(FlagParsing.words(UpdateOrder.self)))
    var updateOrder: String?

    @Option(name: .customLong("update-delay"), help: ArgumentHelp("Pause between update batches, like 10s.", valueName: "duration"))
    var updateDelay: DurationFlag?

    /// Whether any flag was given (an update with none is a mistake worth saying).
    var isEmpty: Bool {
        cpu == nil && memory == nil && healthHTTP == nil && healthInterval == nil && healthTimeout == nil && restart == nil
            && strategy == nil && maxPerNode == nil && loadBalancer == nil && affinityTimeout == nil && endpointMode == nil && updateParallelism == nil
            && updateOrder == nil && updateDelay == nil
    }

    /// Writes the given flags into `spec`. Numbers are checked by the server, which names the field.
    func apply(to spec: inout ServiceSpec) throws {
        if let cpu { spec.template.resources.cpu = cpu }
        if let memory { spec.template.resources.memory = memory }
        try applyHealthCheck(to: &spec.template)
        if let restart { spec.template.restartPolicy = try FlagParsing.choice(restart, flag: "--restart") }
        if let strategy { spec.placement.strategy = try FlagParsing.choice(strategy, flag: "--strategy") }
        if let maxPerNode { spec.placement.maxPerNode = maxPerNode }
        if let loadBalancer { spec.loadBalancer.algorithm = try FlagParsing.choice(loadBalancer, flag: "--lb") }
        if let affinityTimeout {
            guard spec.loadBalancer.algorithm == .sourceHash else {
                throw CLIError("--affinity-timeout applies to --lb sourceHash only (the service balances \(spec.loadBalancer.algorithm.rawValue))")
            }
            spec.loadBalancer.affinityTimeout = affinityTimeout.value
        }
        if let endpointMode { spec.endpointMode = try FlagParsing.choice(endpointMode, flag: "--endpoint-mode") }
        if let updateParallelism { spec.update.parallelism = updateParallelism }
        if let updateOrder { spec.update.order = try FlagParsing.choice(updateOrder, flag: "--update-order") }
        if let updateDelay { spec.update.delay = updateDelay.value }
    }

    private func applyHealthCheck(to template: inout ContainerTemplate) throws {
        let interval = healthInterval?.value
        let timeout = healthTimeout?.value
        if let healthHTTP {
            var check = template.healthCheck ?? HealthCheck(http: healthHTTP)
            check.http = healthHTTP
            template.healthCheck = check
        } else if (interval != nil || timeout != nil) && template.healthCheck == nil {
            throw CLIError("--health-interval and --health-timeout need --health-http")
        }
        if let interval { template.healthCheck?.interval = interval }
        if let timeout { template.healthCheck?.timeout = timeout }
    }
}
