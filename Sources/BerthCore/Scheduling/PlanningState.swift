/// The scheduler's working copy of the cluster during one plan, with the indexes that keep
/// each placement cheap: node order, nodes by attribute value, and per-service spread counts.
struct PlanningState {
    var nodes: [NodeState]
    let byName: [String: Int]
    /// Node indexes in a fixed pseudo-random order (by a hash of the name).
    let order: [Int]
    var cursor = 0
    private var valueIndex: [NodeAttribute: [String: [Int]]] = [:]
    private var counts: [SpreadKey: [String: Int]] = [:]

    private struct SpreadKey: Hashable {
        var service: String
        var attribute: NodeAttribute
    }

    init(_ table: NodeTable) {
        nodes = table.nodes
        byName = table.byName
        order = table.order
    }

    /// Nodes (in scan order) whose `attribute` has `value`; "" stands for "lacks it".
    mutating func nodesWithValue(attribute: NodeAttribute, value: String) -> [Int] {
        if valueIndex[attribute] == nil {
            var index: [String: [Int]] = [:]
            for i in order { index[nodes[i].value(of: attribute) ?? "", default: []].append(i) }
            valueIndex[attribute] = index
        }
        return valueIndex[attribute]?[value] ?? []
    }

    /// The service's containers per value of `attribute`, every value present on some node.
    mutating func spreadCounts(service: String, attribute: NodeAttribute) -> [String: Int] {
        let key = SpreadKey(service: service, attribute: attribute)
        if let known = counts[key] { return known }
        var result: [String: Int] = [:]
        for node in nodes { result[node.value(of: attribute) ?? "", default: 0] += node.perService[service, default: 0] }
        counts[key] = result
        return result
    }

    /// The attribute's values, fewest of the service's containers first (ties by value).
    mutating func valuesByCount(service: String, attribute: NodeAttribute) -> [String] {
        let counts = spreadCounts(service: service, attribute: attribute)
        return counts.sorted { $0.value != $1.value ? $0.value < $1.value : $0.key < $1.key }.map(\.key)
    }

    mutating func admit(_ request: PlacementRequest, on index: Int) {
        nodes[index].admit(request)
        guard let service = request.service else { return }
        for attribute in request.spreadAttributes {
            let key = SpreadKey(service: service, attribute: attribute)
            if counts[key] != nil { counts[key]![nodes[index].value(of: attribute) ?? "", default: 0] += 1 }
        }
    }
}
