extension ServiceRules {
    /// What one unit contributes: chains and sets it owns, and elements it puts into sets that
    /// another unit declares (a VIP's element in `svc-ips`, a target in `svc-ep-1`).
    struct RuleFragment: Sendable, Hashable {
        var chains: [NFTChain] = []
        var sets: [NFTSet] = []
        var elements: [String: [NFTElement]] = [:]

        mutating func add(_ element: NFTElement, to set: String) { elements[set, default: []].append(element) }
    }

    /// The planned rules as units, kept by `ServiceProxy` between updates so that an update
    /// re-plans only changed units and diffs only their fragments.
    struct RulePlan: Sendable {
        private(set) var inputs: [RuleUnit: UnitInput] = [:]
        private(set) var fragments: [RuleUnit: RuleFragment] = [:]
        /// The unit declaring each set, where the declaration for another unit's elements is found.
        private var setOwners: [String: RuleUnit] = [:]

        /// Nothing planned: what an agent knows before its first update.
        init() {}

        init(_ input: Input) throws(ServiceRulesError) {
            try input.validate()
            inputs = ServiceRules.unitInputs(input)
            for (unit, unitInput) in inputs { set(unit, ServiceRules.fragment(unitInput)) }
        }

        /// Moves the plan to `input` and returns the changed units' fragments before and after,
        /// as two tables: their difference is exactly the difference of the whole tables. Both
        /// declare every shared set the changed units put elements into (where it exists), so a
        /// set losing its last changed element is not taken for a set that went away.
        mutating func update(to input: Input) throws(ServiceRulesError) -> (before: NFTTable, after: NFTTable, changed: Int) {
            try input.validate()
            let next = ServiceRules.unitInputs(input)
            var replaced: [RuleUnit: RuleFragment] = [:]
            for (unit, unitInput) in next where inputs[unit] != unitInput { replaced[unit] = ServiceRules.fragment(unitInput) }
            let units = Set(replaced.keys).union(inputs.keys.filter { next[$0] == nil })
            var touched: Set<String> = []
            for unit in units {
                if let old = fragments[unit] { touched.formUnion(old.elements.keys) }
                if let new = replaced[unit] { touched.formUnion(new.elements.keys) }
            }
            let before = partial(units, declaring: touched)
            for unit in units {
                if let old = fragments[unit] { for set in old.sets where setOwners[set.name] == unit { setOwners[set.name] = nil } }
                fragments[unit] = nil
                if let new = replaced[unit] { set(unit, new) }
            }
            inputs = next
            return (before, partial(units, declaring: touched), units.count)
        }

        private mutating func set(_ unit: RuleUnit, _ fragment: RuleFragment) {
            fragments[unit] = fragment
            for set in fragment.sets { setOwners[set.name] = unit }
        }

        /// The whole table.
        func table() -> NFTTable {
            var table = NFTTable(name: ServiceRules.tableName)
            for fragment in fragments.values {
                for chain in fragment.chains { table.chains[chain.name] = chain }
                for set in fragment.sets { table.sets[set.name, default: set].elements.formUnion(set.elements) }
            }
            for fragment in fragments.values {
                for (name, elements) in fragment.elements {
                    assert(table.sets[name] != nil, "elements for \(name), which no unit declares")
                    table.sets[name]?.elements.formUnion(elements)
                }
            }
            return table
        }

        /// The fragments of `units`, with (empty) declarations of the sets their elements go to
        /// and of `declaring` (those that exist).
        func partial(_ units: Set<RuleUnit>, declaring: Set<String> = []) -> NFTTable {
            var table = NFTTable(name: ServiceRules.tableName)
            for unit in units {
                guard let fragment = fragments[unit] else { continue }
                for chain in fragment.chains { table.chains[chain.name] = chain }
                for set in fragment.sets { table.sets[set.name, default: set].elements.formUnion(set.elements) }
            }
            for name in declaring where table.sets[name] == nil {
                if let declaration = declaration(of: name) { table.sets[name] = declaration }
            }
            for unit in units {
                guard let fragment = fragments[unit] else { continue }
                for (name, elements) in fragment.elements {
                    if table.sets[name] == nil, let declaration = declaration(of: name) { table.sets[name] = declaration }
                    assert(table.sets[name] != nil, "elements for \(name), which no unit declares")
                    table.sets[name]?.elements.formUnion(elements)
                }
            }
            return table
        }

        private func declaration(of set: String) -> NFTSet? {
            guard let owner = setOwners[set], var declaration = fragments[owner]?.sets.first(where: { $0.name == set }) else { return nil }
            declaration.elements = []
            return declaration
        }
    }
}
