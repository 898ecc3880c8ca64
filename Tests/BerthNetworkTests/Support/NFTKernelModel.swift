import Foundation
import BerthCore
@testable import BerthNetwork

/// An in-memory stand-in for the kernel's nftables, reading the commands `NFTDiff` writes and
/// refusing what the kernel refuses: deleting a set a rule still uses, a chain that still has
/// rules or is jumped to, an element that is not there; adding a rule or element that names a
/// set or chain that does not exist. It lets seeded tests check the diff's ordering on
/// thousands of tables; the live tests check the same against the real kernel.
struct NFTKernelModel {
    var table: NFTTable?
    /// Rule text per chain, for reference checks (the table keeps rules by fingerprint).
    var ruleTexts: [String: [String]] = [:]

    struct Refused: Error, CustomStringConvertible { var description: String }

    mutating func apply(_ transaction: NFTTransaction) throws {
        let saved = self
        do { for command in transaction.commands { try apply(command) } } catch { self = saved; throw error }
    }

    private mutating func apply(_ command: String) throws {
        let words = command.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard words.count >= 4 else { throw Refused(description: "short command \(command)") }
        let (verb, object, name) = (words[0], words[1], words.count > 4 ? words[4] : "")
        if object == "table" {
            if verb == "add" { if table == nil { table = NFTTable(family: words[2], name: words[3]) } }
            else if verb == "delete" { guard table != nil else { throw Refused(description: "no table") }; table = nil; ruleTexts = [:] }
            return
        }
        guard var t = table else { throw Refused(description: "no table for \(command)") }
        defer { table = t }
        let body = command.firstIndex(of: "{").map { String(command[command.index(after: $0)..<command.lastIndex(of: "}")!]).trimmingCharacters(in: .whitespaces) }
        switch (verb, object) {
        case ("add", "chain"):
            let base = try body.map(Self.base)
            if let old = t.chains[name] {
                guard NFTDiff.sameHook(old.base, base) else { throw Refused(description: "chain \(name) exists with another hook") }
                t.chains[name]!.base = base
            } else { t.chains[name] = NFTChain(name: name, base: base) }
        case ("flush", "chain"):
            guard t.chains[name] != nil else { throw Refused(description: "flush of missing chain \(name)") }
            t.chains[name]!.rules = []; ruleTexts[name] = []
        case ("delete", "chain"):
            guard let chain = t.chains[name], chain.rules.isEmpty else { throw Refused(description: "delete of missing or non-empty chain \(name)") }
            guard !isJumpTarget(name, t) else { throw Refused(description: "delete of chain \(name) still jumped to") }
            t.chains[name] = nil
        case ("add", "set"), ("add", "map"):
            let set = try Self.set(name: name, body: body ?? "", isMap: object == "map")
            if let old = t.sets[name], old.definition != set.definition { throw Refused(description: "set \(name) exists with another type") }
            if t.sets[name] == nil { t.sets[name] = set }
        case ("delete", "set"), ("delete", "map"):
            guard t.sets[name] != nil else { throw Refused(description: "delete of missing set \(name)") }
            guard !ruleTexts.values.joined().contains(where: { NFTDiff.mentions($0, set: name) }) else { throw Refused(description: "delete of set \(name) still used") }
            t.sets[name] = nil
        case ("add", "element"), ("delete", "element"):
            guard let set = t.sets[name] else { throw Refused(description: "element of missing set \(name)") }
            for text in (body ?? "").components(separatedBy: ", ") where !text.isEmpty {
                if verb == "add" {
                    let element = try Self.element(text, set)
                    for target in element.chainTargets where t.chains[target] == nil { throw Refused(description: "element jumps to missing chain \(target)") }
                    if let old = t.sets[name]!.elements.first(where: { $0.key == element.key }) {
                        guard old == element else { throw Refused(description: "element \(text) exists with another value") }
                    }
                    t.sets[name]!.elements.insert(element)
                } else {
                    let key = try Self.parts(text, set.keyType)
                    guard let old = t.sets[name]!.elements.first(where: { $0.key == key }) else { throw Refused(description: "delete of missing element \(text)") }
                    t.sets[name]!.elements.remove(old)
                }
            }
        case ("add", "rule"):
            guard t.chains[name] != nil else { throw Refused(description: "rule in missing chain \(name)") }
            let rest = words[5...].joined(separator: " ")
            guard let c = rest.range(of: " comment \"", options: .backwards) else { throw Refused(description: "rule without comment") }
            let text = String(rest[..<c.lowerBound])
            for word in text.split(separator: " ") where word.hasPrefix("@") && t.sets[String(word.dropFirst())] == nil {
                throw Refused(description: "rule uses missing set \(word)")
            }
            let words = text.split(separator: " ").map(String.init)
            for (i, w) in words.enumerated() where (w == "jump" || w == "goto") && i + 1 < words.count && t.chains[words[i + 1]] == nil {
                throw Refused(description: "rule jumps to missing chain \(words[i + 1])")
            }
            let comment = String(rest[c.upperBound...].dropLast())
            t.chains[name]!.rules.append(NFTRule(observedComment: comment, handle: 0))
            ruleTexts[name, default: []].append(text)
        default:
            throw Refused(description: "unknown command \(command)")
        }
    }

    private func isJumpTarget(_ name: String, _ t: NFTTable) -> Bool {
        ruleTexts.values.joined().contains { $0.contains("jump \(name)") || $0.contains("goto \(name)") }
            || t.sets.values.contains { $0.elements.contains { $0.chainTargets.contains(name) } }
    }

    static func base(_ body: String) throws -> NFTBaseChain {
        let w = body.replacingOccurrences(of: ";", with: "").split(separator: " ").map(String.init)
        guard w.count == 8, let kind = NFTBaseChain.Kind(rawValue: w[1]), let hook = NFTBaseChain.Hook(rawValue: w[3]),
              let priority = Int(w[5]), let policy = NFTBaseChain.Policy(rawValue: w[7]) else { throw Refused(description: "bad chain body \(body)") }
        return NFTBaseChain(kind, hook: hook, priority: priority, policy: policy)
    }

    static func set(name: String, body: String, isMap: Bool) throws -> NFTSet {
        let clauses = body.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let type = clauses.first, type.hasPrefix("type ") else { throw Refused(description: "set without type") }
        let sides = type.dropFirst(5).components(separatedBy: " : ")
        func types(_ s: String) throws -> [NFTDataType] {
            try s.components(separatedBy: " . ").map { guard let t = NFTDataType(rawValue: $0) else { throw Refused(description: "type \($0)") }; return t }
        }
        var flags: Set<NFTSetFlag> = []
        for clause in clauses.dropFirst() where clause.hasPrefix("flags ") {
            flags = Set(clause.dropFirst(6).components(separatedBy: ", ").compactMap(NFTSetFlag.init(rawValue:)))
        }
        return NFTSet(name: name, keyType: try types(sides[0]), valueType: isMap ? try types(sides[1]) : nil, flags: flags)
    }

    static func element(_ text: String, _ set: NFTSet) throws -> NFTElement {
        let sides = text.components(separatedBy: " : ")
        return NFTElement(try parts(sides[0], set.keyType), try set.valueType.map { try parts(sides[1], $0) }).normalised
    }

    static func parts(_ text: String, _ types: [NFTDataType]) throws -> [NFTValue] {
        let items = text.components(separatedBy: " . ")
        guard items.count == types.count else { throw Refused(description: "element \(text) does not fit its type") }
        return try zip(items, types).map { item, type in
            guard let v = value(item, type) else { throw Refused(description: "cannot read \(item) as \(type)") }
            return v.normalised
        }
    }

    static func value(_ s: String, _ type: NFTDataType) -> NFTValue? {
        switch type {
        case .ipv4Address:
            if let a = IPv4Address(s) { return .address(a) }
            if let c = CIDR(s) { return .prefix(c) }
            let r = s.split(separator: "-")
            if r.count == 2, let a = IPv4Address(r[0]), let b = IPv4Address(r[1]) { return .range(a, b) }
            return nil
        case .inetProto: return UInt8(s).map(NFTValue.proto) ?? NFTValue.protocolNumbers[s].map(NFTValue.proto)
        case .inetService: return UInt16(s).map(NFTValue.port)
        case .mark: return UInt32(s).map(NFTValue.integer)
        case .etherAddress: return MACAddress(s).map(NFTValue.mac)
        case .interfaceName: return s.hasPrefix("\"") && s.hasSuffix("\"") && s.count >= 2 ? .interface(String(s.dropFirst().dropLast())) : nil
        case .verdict:
            let w = s.split(separator: " ").map(String.init)
            switch (w.first, w.count) {
            case ("accept", 1): return .verdict(.accept)
            case ("drop", 1): return .verdict(.drop)
            case ("continue", 1): return .verdict(.continue)
            case ("return", 1): return .verdict(.return)
            case ("jump", 2): return .verdict(.jump(w[1]))
            case ("goto", 2): return .verdict(.goto(w[1]))
            default: return nil
            }
        }
    }
}
