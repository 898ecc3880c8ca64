import BerthCore

/// The latest known targets of every watched service, and the rule for when they changed.
///
/// Answers that repeat the same targets (a blocking query that timed out, or woke for a change
/// that did not alter them) are not changes: the service keeps the index at which its targets
/// last changed, so the rendered text, header included, stays byte-identical and no reload runs.
public struct FollowerState: Sendable, Hashable {
    /// Watched services, in command-line order (the first one also gets `/`).
    public let services: [String]
    private var latest: [String: WatchedService] = [:]

    public init(services: [String]) {
        self.services = services
    }

    /// Records one answer; returns whether what would be rendered changed.
    public mutating func record(_ answer: TargetsAnswer, for service: String) -> Bool {
        let targets = answer.targets.map(Self.balancingView)
        if let known = latest[service], known.targets == targets { return false }
        latest[service] = WatchedService(name: service, targets: targets, index: answer.index)
        return true
    }

    /// The document without what only the node data planes use (ingress rules, members): a
    /// replica that starts unhealthy changes the members, not the proxy's file.
    static func balancingView(_ targets: ServiceTargets) -> ServiceTargets {
        var view = targets
        view.ingress = []
        view.members = nil
        return view
    }

    /// True once every service has been answered for at least once: rendering before that
    /// would briefly drop services that are merely slower to answer.
    public var isComplete: Bool { services.allSatisfy { latest[$0] != nil } }

    /// The services to render, in command-line order.
    public var snapshot: [WatchedService] { services.compactMap { latest[$0] } }

    /// For the log line: `web=3 api=0 ghost=missing`.
    public var summary: String {
        snapshot.map { BalancedService($0).countText }.joined(separator: " ")
    }
}
