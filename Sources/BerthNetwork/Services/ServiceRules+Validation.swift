import BerthCore

/// Input the service rules cannot be planned from, found before anything reaches the kernel.
public enum ServiceRulesError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let message): "invalid service rules input: \(message)"
        }
    }
}

extension ServiceRules.Input {
    /// Every map key must have one owner: service names, VIP ports and local container
    /// addresses are unique. Ports are never 0, and an affinity timeout is 1 s to 1 day
    /// (Kubernetes' range for ClientIP affinity). Sources naming unknown services are fine:
    /// the service may be created later, and until then it admits nobody.
    public func validate() throws(ServiceRulesError) {
        _ = try ServiceRules.unitInputs(self)
    }
}
