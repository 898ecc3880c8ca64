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

    /// `ownedPart(of:)` read straight from `nft -j list table` output: the same reading as
    /// `NFTJSONParser.parse` (whose set and chain readers it uses), with a byte-level JSON
    /// reader and the node's other objects skipped unread, so that verifying 10,000 services
    /// takes a fraction of a second instead of tens of seconds. (`NFTJSONParser` could adopt
    /// `JSONBytes` too: `HostNetwork.observe` reads the same listing.)
    static func ownedPart(ofListing data: Data) throws(NFTError) -> NFTTable? {
        guard let objects = try JSONBytes.parse(data)["nftables"]?.array else { throw .unreadable("no \"nftables\" array") }
        var table: NFTTable?
        var rulesByChain: [String: [NFTRule]] = [:]
        for object in objects {
            if let t = object["table"] {
                guard let family = t["family"]?.string, let name = t["name"]?.string else { throw .unreadable("table without family or name") }
                table = NFTTable(family: family, name: name)
            } else if let c = object["chain"] {
                guard let name = c["name"]?.string else { throw .unreadable("chain without name") }
                guard table != nil else { throw .unreadable("chain \(name) before its table") }
                if owns(name) { table!.chains[name] = NFTChain(name: name, base: try NFTJSONParser.baseChain(c)) }
            } else if let s = object["set"] ?? object["map"] {
                guard let name = s["name"]?.string else { throw .unreadable("set without name") }
                guard table != nil else { throw .unreadable("set \(name) before its table") }
                if owns(name) { table!.sets[name] = normalised(try NFTJSONParser.set(s)) }
            } else if let r = object["rule"] {
                guard let chain = r["chain"]?.string else { throw .unreadable("rule without chain") }
                if owns(chain) { rulesByChain[chain, default: []].append(NFTRule(observedComment: r["comment"]?.string, handle: r["handle"]?.int ?? 0)) }
            }
        }
        for (chain, rules) in rulesByChain { table?.chains[chain]?.rules = rules }
        return table
    }

    private static func normalised(_ set: NFTSet) -> NFTSet {
        var set = set
        set.flags.remove(.dynamic)
        if Names.isAffinitySet(set.name) { set.elements = [] }
        return set
    }
}
