/// How new connections to a service are spread over its targets, by the node VIPs (nftables)
/// and by `berth lb` (nginx, HAProxy).
public enum LoadBalancerAlgorithm: String, Sendable, Codable, CaseIterable, ListedEnum, Defaultable {
    /// Each new connection to the next target in turn.
    case roundRobin
    /// Each new connection to a target picked at random.
    case random
    /// To the target with the fewest open connections, where the proxy counts them (nginx,
    /// HAProxy). A node VIP has no connection counts in nftables and spreads like `random`.
    case leastConn
    /// Session affinity, as kube-proxy's ClientIP: a client (source address) keeps its target
    /// while it opens a new connection at least every `affinityTimeout`.
    case sourceHash

    public static var defaultValue: LoadBalancerAlgorithm { .roundRobin }
}

public struct LoadBalancer: Sendable, Hashable, Codable, StrictDecodable, Defaultable {
    @Defaulted public var algorithm: LoadBalancerAlgorithm
    /// How long a client stays on its target after its last new connection; used by
    /// `sourceHash` only, kept with the others so switching back restores it.
    @Default<DefaultAffinityTimeout> @DurationString public var affinityTimeout: Duration

    /// Kubernetes' default for ClientIP affinity.
    public static let defaultAffinityTimeout: Duration = .seconds(3 * 3600)
    /// From one second to a day (Kubernetes allows 1 to 86,400 seconds).
    public static let affinityTimeoutRange: ClosedRange<Duration> = .seconds(1) ... .seconds(86_400)

    public init(algorithm: LoadBalancerAlgorithm = .roundRobin, affinityTimeout: Duration = LoadBalancer.defaultAffinityTimeout) {
        self.algorithm = algorithm
        self.affinityTimeout = affinityTimeout
    }

    public static var defaultValue: LoadBalancer { LoadBalancer() }

    public enum DefaultAffinityTimeout: DefaultProvider {
        public static var value: DurationString { DurationString(wrappedValue: LoadBalancer.defaultAffinityTimeout) }
    }

    public func validate(field: String = "loadBalancer") throws(BerthError) {
        guard Self.affinityTimeoutRange.contains(affinityTimeout) else {
            throw .invalidArgument(
                field: "\(field).affinityTimeout",
                message: "must be a duration from 1s to 24h, got \(DurationText.format(affinityTimeout))"
            )
        }
    }
}
