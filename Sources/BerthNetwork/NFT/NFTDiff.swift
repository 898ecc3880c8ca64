/// The pure difference between a desired and an observed table, as one transaction holding only
/// what changed (kube-proxy's nftables proxier does the same):
///
/// - elements are added and deleted one by one; a map element whose value changed is deleted
///   and added again;
/// - a chain whose rules differ (compared in order, by fingerprint) is flushed and refilled in the
///   same transaction, so no packet sees it half-written;
/// - chains and sets that went away are flushed/emptied and deleted; a set whose type or flags
///   changed is deleted and made again, after flushing the chains that use it;
/// - a base chain whose hook, type or priority changed is deleted and made again; a changed policy
///   is set in place;
/// - the first sync (nothing observed) creates the table and everything in it.
///
/// Commands are ordered so that nothing is deleted while still referenced and nothing is
/// referenced before it exists: declare new chains and sets, flush, delete elements, delete sets
/// and chains, re-declare, add elements, add rules.
public enum NFTDiff {
    public static func transaction(desired: NFTTable?, observed: NFTTable?) -> NFTTransaction {
        guard let desired else {
            guard let observed else { return NFTTransaction() }
            return NFTTransaction(commands: ["delete table \(observed.qualifiedName)"])
        }
        guard let observed else { return create(desired) }
        let t = desired.qualifiedName
        var declare: [String] = [], flush: [String] = [], deleteElements: [String] = []
        var deleteObjects: [String] = [], redeclare: [String] = [], addElements: [String] = [], addRules: [String] = []

        let redefinedSets = Set(desired.sets.values.filter { set in
            observed.sets[set.name].map { $0.definition != set.definition } ?? false
        }.map(\.name))
        var refill: Set<String> = []

        for name in desired.chains.keys.sorted() {
            let chain = desired.chains[name]!
            guard let old = observed.chains[name] else {
                declare.append(chainDeclaration(chain, table: t))
                refill.insert(name)
                continue
            }
            if !sameHook(old.base, chain.base) {
                flush.append("flush chain \(t) \(name)")
                deleteObjects.append("delete chain \(t) \(name)")
                redeclare.append(chainDeclaration(chain, table: t))
                refill.insert(name)
                continue
            }
            if old.base != chain.base { redeclare.append(chainDeclaration(chain, table: t)) }
            if old.fingerprints != chain.fingerprints || chain.rules.contains(where: { rule in
                redefinedSets.contains { NFTDiff.mentions(rule.text ?? "", set: $0) }
            }) {
                flush.append("flush chain \(t) \(name)")
                refill.insert(name)
            }
        }
        for name in observed.chains.keys.sorted() where desired.chains[name] == nil {
            flush.append("flush chain \(t) \(name)")
            deleteObjects.append("delete chain \(t) \(name)")
        }

        for name in desired.sets.keys.sorted() {
            let set = desired.sets[name]!
            let wanted = Set(set.elements.map(\.normalised))
            if let old = observed.sets[name], !redefinedSets.contains(name) {
                let have = Set(old.elements.map(\.normalised))
                let gone = have.subtracting(wanted).sorted()
                let new = wanted.subtracting(have).sorted()
                deleteElements += elementCommands("delete", gone.map(\.keyText), set: name, table: t)
                addElements += elementCommands("add", new.map(\.text), set: name, table: t)
            } else {
                if redefinedSets.contains(name) {
                    deleteObjects.insert("delete \(kind(observed.sets[name]!)) \(t) \(name)", at: 0)
                    redeclare.insert(setDeclaration(set, table: t), at: 0)
                } else {
                    declare.append(setDeclaration(set, table: t))
                }
                addElements += elementCommands("add", wanted.sorted().map(\.text), set: name, table: t)
            }
        }
        // Sets are deleted after the chains that used them are flushed, and before the chains
        // their verdict elements jump to are deleted.
        let goneSets = observed.sets.keys.sorted().filter { desired.sets[$0] == nil }
        deleteObjects.insert(contentsOf: goneSets.map { "delete \(kind(observed.sets[$0]!)) \(t) \($0)" }, at: 0)

        for name in refill.sorted() {
            for rule in desired.chains[name]!.rules {
                addRules.append("add rule \(t) \(name) \(rule.text ?? "") comment \"\(rule.storedComment)\"")
            }
        }
        return NFTTransaction(commands: declare + flush + deleteElements + deleteObjects + redeclare + addElements + addRules)
    }

    /// The first sync: the whole table in one transaction.
    static func create(_ table: NFTTable) -> NFTTransaction {
        let t = table.qualifiedName
        var commands = ["add table \(t)"]
        for name in table.chains.keys.sorted() { commands.append(chainDeclaration(table.chains[name]!, table: t)) }
        for name in table.sets.keys.sorted() { commands.append(setDeclaration(table.sets[name]!, table: t)) }
        for name in table.sets.keys.sorted() {
            commands += elementCommands("add", table.sets[name]!.elements.map(\.normalised).sorted().map(\.text), set: name, table: t)
        }
        for name in table.chains.keys.sorted() {
            for rule in table.chains[name]!.rules {
                commands.append("add rule \(t) \(name) \(rule.text ?? "") comment \"\(rule.storedComment)\"")
            }
        }
        return NFTTransaction(commands: commands)
    }

    static func chainDeclaration(_ chain: NFTChain, table: String) -> String {
        guard let base = chain.base else { return "add chain \(table) \(chain.name)" }
        return "add chain \(table) \(chain.name) { \(base.declaration) }"
    }

    static func setDeclaration(_ set: NFTSet, table: String) -> String {
        "add \(kind(set)) \(table) \(set.name) \(set.declaration)"
    }

    static func kind(_ set: NFTSet) -> String { set.isMap ? "map" : "set" }

    /// Whether two chains hook in the same place (policy aside, which can change in place).
    static func sameHook(_ a: NFTBaseChain?, _ b: NFTBaseChain?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case (let a?, let b?): a.kind == b.kind && a.hook == b.hook && a.priority == b.priority
        default: false
        }
    }

    /// Element commands, a few hundred elements to a line (nft reads one command into memory at a time).
    static func elementCommands(_ verb: String, _ texts: [String], set: String, table: String) -> [String] {
        stride(from: 0, to: texts.count, by: 256).map { start in
            "\(verb) element \(table) \(set) { \(texts[start..<min(start + 256, texts.count)].joined(separator: ", ")) }"
        }
    }

    /// Whether rule text names `@set` (as a whole word).
    static func mentions(_ text: String, set: String) -> Bool {
        var rest = Substring(text)
        while let range = rest.range(of: "@" + set) {
            let after = rest[range.upperBound...].first
            if after == nil || !(after!.isLetter || after!.isNumber || after! == "-" || after! == "_") { return true }
            rest = rest[range.upperBound...]
        }
        return false
    }
}
