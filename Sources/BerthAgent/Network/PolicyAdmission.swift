/// What the service plane has put in the kernel, as far as a container about to start cares:
/// whether its service's ingress policy is in place for its address.
struct PolicyState: Sendable, Hashable {
    /// Whether the services have been listed once (before that, no service's rules are known).
    var listed = false
    /// The `LocalContainers` revision of the last input the kernel took: every container
    /// declared at or before it has its `pol-dests` element (when its service is policed).
    var applied: UInt64 = 0
    /// The services known at that input.
    var services: Set<String> = []
    /// Services whose rules the agent cannot program (a rule it cannot read), with the reason:
    /// their programming stopped, their containers are refused.
    var refused: [String: String] = [:]
    /// The last update the kernel refused, while no later one succeeded.
    var failure: Failure?

    struct Failure: Sendable, Hashable {
        /// The `LocalContainers` revision it tried to program.
        var revision: UInt64
        var reason: String
    }
}

/// Whether a container may start, as far as network policy goes: the decision the linux driver
/// waits on before a container's command runs (issue 18, "policy fails closed"). Pure, so
/// table-tested without a kernel or a clock.
///
/// A container of a service starts only once the agent has listed the services, knows its
/// service, and the kernel took an input holding the container (so the `pol-dests` element of
/// a policed service's container is in place before its address is even reachable). Before the
/// agent lists the services it cannot tell which have ingress rules, so every container of a
/// service waits. A container whose service's rules cannot be programmed (the kernel refused
/// them, or a rule does not read) is refused, with a reason that says so.
enum PolicyAdmission {
    enum Decision: Sendable, Hashable {
        case start
        case wait(String)
        case refuse(String)
    }

    /// `revision`: the `LocalContainers` revision at which the container was declared.
    static func decide(service: String?, revision: UInt64, state: PolicyState) -> Decision {
        guard let service else { return .start }  // no service, no ingress rules
        guard state.listed else {
            return .wait("the agent has not listed the services yet, so the ingress rules of service \(service) are unknown")
        }
        if let failure = state.failure, failure.revision >= revision {
            return .refuse("the network policy of service \(service) cannot be programmed: \(failure.reason)")
        }
        if let reason = state.refused[service] {
            return .refuse("the ingress rules of service \(service) cannot be programmed: \(reason)")
        }
        guard state.services.contains(service) else {
            return .wait("service \(service) is not known to the agent's service rules yet")
        }
        guard state.applied >= revision else { return .wait("the network policy of service \(service) is being programmed") }
        return .start
    }
}
