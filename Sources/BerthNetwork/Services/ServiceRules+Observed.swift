import Foundation

extension ServiceRules {
    /// The part of an observed `ip berth` table that the service rules own, as it compares with
    /// `table(_:)`: affinity sets' elements are runtime state (clients the kernel remembers) and
    /// are left out, as is the `dynamic` flag nft versions report differently.
    public static func ownedPart(of observed: NFTTable?) -> NFTTable? {
        guard let observed else { return nil }
        var part = NFTTable(family: observed.family, name: observed.name)
        for (name, chain) in observed.chains where owns(name) { part.chains[name] = chain }
        for (name, set) in observed.sets where owns(name) { part.sets[name] = normalised(set) }
        return part
    }

    /// `observed` without the service rules' objects: what `NodeFirewall`'s planner should
    /// compare against when the service rules are applied by `ServiceProxy` instead.
    public static func withoutOwnedObjects(_ observed: NFTTable?) -> NFTTable? {
        guard var table = observed else { return nil }
        table.chains = table.chains.filter { !owns($0.key) }
        table.sets = table.sets.filter { !owns($0.key) }
        return table
    }

    /// `ownedPart(of:)` read straight from `nft -j list table` output, the node's other objects
    /// skipped unread.
    static func ownedPart(ofListing data: Data) throws(NFTError) -> NFTTable? {
        guard var table = try NFTJSONParser.parse(data, keeping: owns) else { return nil }
        table.sets = table.sets.mapValues(normalised)
        return table
    }

    private static func normalised(_ set: NFTSet) -> NFTSet {
        var set = set
        set.flags.remove(.dynamic)
        if Names.isAffinitySet(set.name) { set.elements = [] }
        return set
    }
}
