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
    ///
    /// An agent passes the same service list each time, a few entries changed in place: when
    /// the services keep their positions and names, only the changed positions are looked at
    /// (their totals adjusted, their units re-planned) besides the few node-wide units, so an
    /// update costs O(services) comparisons of equal values and O(changes) of everything else.
    /// Any other change re-derives every unit and compares them all.
    struct RulePlan: Sendable {
        private(set) var inputs: [RuleUnit: UnitInput] = [:]
        private(set) var fragments: [RuleUnit: RuleFragment] = [:]
        /// The unit declaring each set, where the declaration for another unit's elements is found.
        private var setOwners: [String: RuleUnit] = [:]
        private var last: Input?
        private var totals = ServiceTotals()
        private var nodeKeys: Set<RuleUnit> = []

        /// Nothing planned: what an agent knows before its first update.
        init() {}

        init(_ input: Input) throws(ServiceRulesError) {
            _ = try update(to: input)
        }

        /// Moves the plan to `input` and returns the changed units' fragments before and after,
        /// as two tables: their difference is exactly the difference of the whole tables. Both
        /// declare every shared set the changed units put elements into (where it exists), so a
        /// set losing its last changed element is not taken for a set that went away. Invalid
        /// input throws and leaves the plan as it was.
        mutating func update(to input: Input) throws(ServiceRulesError) -> (before: NFTTable, after: NFTTable, changed: Int) {
            let (replacedInputs, removed) = try changes(to: input)
            var replaced: [RuleUnit: RuleFragment] = [:]
            for (unit, unitInput) in replacedInputs { replaced[unit] = ServiceRules.fragment(unitInput) }
            let units = Set(replaced.keys).union(removed)
            var touched: Set<String> = []
            for unit in units {
                if let old = fragments[unit] { touched.formUnion(old.elements.keys) }
                if let new = replaced[unit] { touched.formUnion(new.elements.keys) }
            }
            let before = partial(units, declaring: touched)
            for unit in units {
                if let old = fragments[unit] { for set in old.sets where setOwners[set.name] == unit { setOwners[set.name] = nil } }
                fragments[unit] = nil
                inputs[unit] = replacedInputs[unit]
                if let new = replaced[unit] { set(unit, new) }
            }
            last = input
            return (before, partial(units, declaring: touched), units.count)
        }

        /// The units whose input differs in `input`, and those it no longer has.
        private mutating func changes(to input: Input) throws(ServiceRulesError) -> ([RuleUnit: UnitInput], Set<RuleUnit>) {
            var replaced: [RuleUnit: UnitInput] = [:]
            var removed: Set<RuleUnit> = []
            guard let last, let positions = Self.changedPositions(from: last, to: input) else {
                let derived = try ServiceRules.derive(input)
                var kept = 0
                for (unit, unitInput) in derived.units {
                    if let old = inputs[unit] { kept += 1; if old == unitInput { continue } }
                    replaced[unit] = unitInput
                }
                if kept < inputs.count { removed = Set(inputs.keys.filter { derived.units[$0] == nil }) }
                totals = derived.totals
                nodeKeys = Set(derived.node.keys)
                return (replaced, removed)
            }
            for i in positions { totals.remove(last.services[i], at: i) }
            var added: [Int] = []
            let node: [RuleUnit: UnitInput]
            do throws(ServiceRulesError) {
                for i in positions { try totals.add(input.services[i], at: i); added.append(i) }
                node = try ServiceRules.nodeUnits(input, totals)
            } catch {
                for i in added { totals.remove(input.services[i], at: i) }
                for i in positions { try? totals.add(last.services[i], at: i) }  // valid before, so valid again
                throw error
            }
            for i in positions {
                let service = input.services[i]
                let unitInput = UnitInput.service(ServiceVIP(service))
                if inputs[.service(service.name)] != unitInput { replaced[.service(service.name)] = unitInput }
            }
            for (unit, unitInput) in node where inputs[unit] != unitInput { replaced[unit] = unitInput }
            removed = nodeKeys.subtracting(node.keys)
            nodeKeys = Set(node.keys)
            return (replaced, removed)
        }

        /// The positions whose service changed, when every service kept its position and name;
        /// nil otherwise (services added, removed or moved).
        private static func changedPositions(from last: Input, to input: Input) -> [Int]? {
            guard last.services.count == input.services.count else { return nil }
            var changed: [Int] = []
            for i in input.services.indices where input.services[i] != last.services[i] {
                guard input.services[i].name == last.services[i].name else { return nil }
                changed.append(i)
            }
            return changed
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
