/// The placement planner: a pure function from pending requests and node states to a plan.
///
/// For each request, in order, it looks for feasible nodes with the filter chain, scores a
/// bounded sample of them (as kube-scheduler's percentageOfNodesToScore and Nomad's candidate
/// limit do) and takes the best, ties going to the lower node name. Nodes are visited in a
/// fixed pseudo-random order from a rotating start, so successive placements look at different
/// nodes and a batch spreads without scanning all 5,000 nodes each time. Requests that
/// `spreadBy` an attribute look first at the nodes whose value holds the fewest replicas.
/// Same input, same plan: there is no randomness and no clock.
public struct Scheduler: Sendable {
    public var filters: [any PlacementFilter]
    /// How many feasible nodes to score per placement before choosing.
    public var sampleSize: Int

    public init(filters: [any PlacementFilter] = defaultFilters, sampleSize: Int = 32) {
        self.filters = filters
        self.sampleSize = max(1, sampleSize)
    }

    /// How scorers combine: spread preferences first, then soft constraints, then strategy.
    static let spreadByWeight = 100.0
    static let preferenceWeight = 10.0
    static let strategyWeight = 1.0

    public func plan(requests: [PlacementRequest], nodes input: [NodeState]) -> SchedulePlan {
        var whole = SchedulePlan()
        plan(requests: requests, nodes: input, every: .max) { part in
            whole = part
            return true
        }
        return whole
    }

    /// Plans in parts of `every` requests, handing each part to `emit` as soon as it is
    /// decided, so a caller can commit one part while the next is planned. The parts together
    /// are exactly the plan of all requests at once. `emit` returns false to stop early.
    public func plan(requests: [PlacementRequest], nodes input: [NodeState], every: Int, emit: (SchedulePlan) -> Bool) {
        plan(requests: requests, table: NodeTable(input), every: every, emit: emit)
    }

    /// The same on a table of nodes kept by the caller (see `NodeTable`).
    public func plan(requests: [PlacementRequest], table: NodeTable, every: Int, emit: (SchedulePlan) -> Bool) {
        var state = PlanningState(table)
        var part = SchedulePlan()
        var failed: [PlacementRequest.Shape: String] = [:]
        var inPart = 0
        for request in requests {
            place(request, &state, &part, &failed)
            inPart += 1
            if inPart >= every {
                guard emit(part) else { return }
                part = SchedulePlan()
                inPart = 0
            }
        }
        if inPart > 0 || requests.isEmpty { _ = emit(part) }
    }

    private func place(_ request: PlacementRequest, _ state: inout PlanningState, _ plan: inout SchedulePlan,
                       _ failed: inout [PlacementRequest.Shape: String]) {
        let shape = request.shape
        if let reason = failed[shape] {
            plan.unschedulable[request.container] = reason
            return
        }
        switch findCandidates(request, &state, examined: &plan.nodesExamined) {
        case .failure(let reason):
            failed[shape] = reason
            plan.unschedulable[request.container] = reason
        case .success(let candidates):
            let spread = request.service.map { service in
                request.spreadAttributes.map { state.spreadCounts(service: service, attribute: $0) }
            } ?? []
            let chosen = best(of: candidates, for: request, state: state, spreadCounts: spread)
            state.admit(request, on: chosen)
            plan.assignments.append(.init(container: request.container, node: state.nodes[chosen].name))
        }
    }

    private enum Search {
        case success([Int])
        case failure(String)
    }

    private func findCandidates(_ request: PlacementRequest, _ state: inout PlanningState, examined: inout Int) -> Search {
        var rejections: [Rejection: Int] = [:]
        var found: [Int] = []
        func scan(_ order: [Int]) {
            guard !order.isEmpty else { return }
            let start = state.cursor % order.count
            for step in 0..<order.count {
                let index = order[(start + step) % order.count]
                examined += 1
                if let reason = rejection(request, state.nodes[index]) {
                    rejections[reason, default: 0] += 1
                } else {
                    found.append(index)
                    if found.count >= sampleSize { return }
                }
            }
        }
        state.cursor &+= 1
        if let pinned = request.pinnedNode {
            guard let index = state.byName[pinned] else {
                return .failure("0/\(state.nodes.count) nodes available: node \(pinned) is gone")
            }
            scan([index])
        } else if let attribute = request.spreadAttributes.first, let service = request.service {
            for value in state.valuesByCount(service: service, attribute: attribute) {
                scan(state.nodesWithValue(attribute: attribute, value: value))
                if !found.isEmpty { break }
            }
        } else {
            scan(state.order)
        }
        if !found.isEmpty { return .success(found) }
        let detail = rejections.map { (text: $0.key.text(for: request), count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.text < $1.text }
            .map { "\($0.count) \($0.text)" }.joined(separator: ", ")
        let total = state.nodes.count
        return .failure(total == 0 ? "0/0 nodes available: no nodes registered" : "0/\(total) nodes available: \(detail)")
    }

    private func rejection(_ request: PlacementRequest, _ node: NodeState) -> Rejection? {
        for filter in filters {
            if let reason = filter.check(request, on: node) { return reason }
        }
        return nil
    }

    private func best(of candidates: [Int], for request: PlacementRequest, state: PlanningState, spreadCounts: [[String: Int]]) -> Int {
        let counts = candidates.map { i in request.service.map { state.nodes[i].perService[$0, default: 0] } ?? state.nodes[i].containers }
        let context = ScoringContext(
            spreadCounts: spreadCounts,
            serviceCountRange: (counts.min() ?? 0)...(counts.max() ?? 0)
        )
        let strategy: any PlacementScorer = request.strategy == .binpack ? BinpackScorer() : SpreadScorer()
        var bestIndex = candidates[0]
        var bestScore = -Double.infinity
        for index in candidates {
            let node = state.nodes[index]
            var score = Self.strategyWeight * strategy.score(request, on: node, context: context)
            if !request.spreadBy.isEmpty {
                score += Self.spreadByWeight * SpreadByScorer().score(request, on: node, context: context)
            }
            if !request.preferences.isEmpty {
                score += Self.preferenceWeight * PreferenceScorer().score(request, on: node, context: context)
            }
            if score > bestScore + 1e-12 || (abs(score - bestScore) <= 1e-12 && node.name < state.nodes[bestIndex].name) {
                bestScore = score
                bestIndex = index
            }
        }
        return bestIndex
    }
}
