import ServiceLifecycle

/// One of the agent's loops (heartbeats, the container follower, the exit notices, the resync, the health
/// prober, the node network, the service rules, the DNS forwarder, the loop that owns the
/// state) as a swift-service-lifecycle `Service` in the agent's `ServiceGroup`: it runs until
/// the agent shuts down, when graceful shutdown cancels it (each loop stops at its next await).
struct AgentTask: Service, CustomStringConvertible {
    let description: String
    let body: @Sendable () async -> Void

    init(_ name: String, _ body: @escaping @Sendable () async -> Void) {
        description = name
        self.body = body
    }

    func run() async throws {
        await cancelWhenGracefulShutdown { await body() }
    }
}
