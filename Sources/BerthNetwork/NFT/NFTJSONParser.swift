import BerthCore
import Foundation

/// Reads `nft -j list table <family> <name>` into an `NFTTable`, the same model the diff takes
/// as desired, so drift is found by comparing values.
///
/// Rules are read by their `comment` (see `NFTRule` for the fingerprint scheme); set elements are
/// read by the set's declared type, so `"tcp"` in an `inet_proto` column and `6` written by hand
/// compare equal. Objects the model does not cover (flowtables, named counters) are ignored.
public enum NFTJSONParser {
    /// The table, with only the chains and sets whose names `keeping` accepts (the others are
    /// skipped unread: the node's planner ignores the service proxy's objects, and the proxy the
    /// node's). The JSON is read by `JSONBytes`: a listing of 10,000 services is megabytes.
    public static func parse(_ data: Data, keeping: (String) -> Bool = { _ in true }) throws(NFTError) -> NFTTable? {
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
                if keeping(name) { table!.chains[name] = NFTChain(name: name, base: try baseChain(c)) }
            } else if let s = object["set"] ?? object["map"] {
                guard let name = s["name"]?.string else { throw .unreadable("set without name") }
                guard table != nil else { throw .unreadable("set \(name) before its table") }
                if keeping(name) { table!.sets[name] = try self.set(s) }
            } else if let r = object["rule"] {
                guard let chain = r["chain"]?.string else { throw .unreadable("rule without chain") }
                if keeping(chain) { rulesByChain[chain, default: []].append(NFTRule(observedComment: r["comment"]?.string, handle: r["handle"]?.int ?? 0)) }
            }
        }
        for (chain, rules) in rulesByChain { table?.chains[chain]?.rules = rules }
        return table
    }

    /// The set or map of a `nft -j list set|map` listing (which holds no table object), or nil
    /// when it holds none.
    public static func parseSet(_ data: Data) throws(NFTError) -> NFTSet? {
        guard let objects = try JSONBytes.parse(data)["nftables"]?.array else { throw .unreadable("no \"nftables\" array") }
        for object in objects {
            if let s = object["set"] ?? object["map"] { return try set(s) }
        }
        return nil
    }

    static func baseChain(_ c: JSONValue) throws(NFTError) -> NFTBaseChain? {
        guard let hookName = c["hook"]?.string else { return nil }
        guard let kind = c["type"]?.string.flatMap(NFTBaseChain.Kind.init(rawValue:)),
              let hook = NFTBaseChain.Hook(rawValue: hookName), let priority = c["prio"]?.int
        else { throw .unreadable("base chain \(c["name"]?.string ?? "?") with an unknown type, hook or priority") }
        let policy = c["policy"]?.string.flatMap(NFTBaseChain.Policy.init(rawValue:)) ?? .accept
        return NFTBaseChain(kind, hook: hook, priority: priority, policy: policy)
    }

    static func set(_ s: JSONValue) throws(NFTError) -> NFTSet {
        guard let name = s["name"]?.string else { throw .unreadable("set without name") }
        let keyType = try types(s["type"], set: name)
        let valueType = try s["map"].map { v throws(NFTError) in try types(.array(v.string.map { $0.components(separatedBy: " . ").map(JSONValue.string) } ?? (v.array ?? [])), set: name) }
        let flags = Set((s["flags"]?.array ?? []).compactMap { $0.string.flatMap(NFTSetFlag.init(rawValue:)) })
        var elements: Set<NFTElement> = []
        for raw in s["elem"]?.array ?? [] {
            elements.insert(try element(raw, key: keyType, value: valueType, set: name))
        }
        return NFTSet(name: name, keyType: keyType, valueType: valueType, flags: flags, elements: elements)
    }

    static func types(_ value: JSONValue?, set: String) throws(NFTError) -> [NFTDataType] {
        let names: [String] = value?.string.map { [$0] } ?? (value?.array ?? []).compactMap(\.string)
        var types: [NFTDataType] = []
        for name in names {
            guard let type = NFTDataType(rawValue: name) else { throw .unreadable("set \(set) has type \(name), which Berth does not model") }
            types.append(type)
        }
        guard !types.isEmpty else { throw .unreadable("set \(set) has no type") }
        return types
    }

    static func element(_ raw: JSONValue, key: [NFTDataType], value: [NFTDataType]?, set: String) throws(NFTError) -> NFTElement {
        if let pair = raw.array, value != nil {
            guard pair.count == 2 else { throw .unreadable("map \(set) element is not a key and a value") }
            return NFTElement(try parts(pair[0], key, set: set), try parts(pair[1], value!, set: set)).normalised
        }
        return NFTElement(try parts(raw, key, set: set), nil).normalised
    }

    /// One side of an element: a single value or a `concat` of values.
    static func parts(_ raw: JSONValue, _ types: [NFTDataType], set: String) throws(NFTError) -> [NFTValue] {
        // Elements with timeouts, counters or comments come wrapped: {"elem": {"val": …}}.
        if let wrapped = raw["elem"]?["val"] { return try parts(wrapped, types, set: set) }
        let items = raw["concat"]?.array ?? [raw]
        guard items.count == types.count else { throw .unreadable("element of \(set) has \(items.count) parts, type has \(types.count)") }
        var values: [NFTValue] = []
        for (item, type) in zip(items, types) {
            guard let v = value(item, type) else { throw .unreadable("cannot read \(item) as \(type.rawValue) in \(set)") }
            values.append(v)
        }
        return values
    }

    static func value(_ raw: JSONValue, _ type: NFTDataType) -> NFTValue? {
        switch type {
        case .ipv4Address:
            if let s = raw.string { return IPv4Address(s).map(NFTValue.address) }
            if let p = raw["prefix"], let a = p["addr"]?.string.flatMap({ IPv4Address($0) }), let len = p["len"]?.int {
                return .prefix(CIDR(network: a, prefix: len))
            }
            if let r = raw["range"]?.array, r.count == 2, let a = r[0].string.flatMap({ IPv4Address($0) }), let b = r[1].string.flatMap({ IPv4Address($0) }) {
                return .range(a, b)
            }
            return nil
        case .inetProto:
            if let n = raw.int, (0...255).contains(n) { return .proto(UInt8(n)) }
            return raw.string.flatMap { NFTValue.protocolNumbers[$0] }.map(NFTValue.proto)
        case .inetService:
            return raw.int.flatMap { (0...65535).contains($0) ? .port(UInt16($0)) : nil }
        case .mark:
            return raw.int.flatMap { $0 >= 0 ? .integer(UInt32(truncatingIfNeeded: $0)) : nil }
        case .etherAddress:
            return raw.string.flatMap { MACAddress($0) }.map(NFTValue.mac)
        case .interfaceName:
            return raw.string.map(NFTValue.interface)
        case .verdict:
            guard let object = raw.object, let (name, body) = object.first, object.count == 1 else { return nil }
            switch name {
            case "accept": return .verdict(.accept)
            case "drop": return .verdict(.drop)
            case "continue": return .verdict(.continue)
            case "return": return .verdict(.return)
            case "jump": return body["target"]?.string.map { .verdict(.jump($0)) }
            case "goto": return body["target"]?.string.map { .verdict(.goto($0)) }
            default: return nil
            }
        }
    }
}
