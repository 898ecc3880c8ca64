import BerthNetwork

/// What the service plane programs the node's kernel through: the `ServiceProxy` (blocking on
/// nft), or a test's fake that refuses what it is told to.
protocol ServiceRulesKernel: Sendable {
    /// Applies `input`; throws what the kernel (or the planner) refused.
    func program(_ input: ServiceRules.Input) throws -> ServiceRulesProgrammed
    /// Compares the kernel with the plan and repairs it; the number of repair commands.
    func repair() throws -> Int
}

/// What one update did, as the service plane logs and counts it.
struct ServiceRulesProgrammed: Sendable {
    var changed = false
    var changedUnits = 0
    var fullResync = false
    var planning: Duration = .zero
    var applying: Duration = .zero
    var staleFlows: [StaleUDPFlow] = []
}

extension ServiceProxy: ServiceRulesKernel {
    func program(_ input: ServiceRules.Input) throws -> ServiceRulesProgrammed {
        let report = try update(input)
        return ServiceRulesProgrammed(changed: !report.transaction.isEmpty, changedUnits: report.changedUnits, fullResync: report.fullResync,
                                      planning: report.planning, applying: report.applying, staleFlows: report.staleFlows)
    }

    func repair() throws -> Int { try verify().repair.commands.count }
}
