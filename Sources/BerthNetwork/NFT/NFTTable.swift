/// A value model of one nftables table: what a subsystem wants in its private table, and what
/// `nft -j list table` shows is there. `NFTDiff` turns the difference into one transaction.
///
/// The table is owned whole: anything in it that the desired value lacks is deleted. `ip`
/// family tables (Berth's data plane is IPv4) and `bridge` ones (anti-spoofing on the bridge's
/// ports) are modelled.
public struct NFTTable: Sendable, Hashable {
    public var family: String
    public var name: String
    public var chains: [String: NFTChain]
    public var sets: [String: NFTSet]

    public init(family: String = "ip", name: String, chains: [NFTChain] = [], sets: [NFTSet] = []) {
        self.family = family
        self.name = name
        self.chains = Dictionary(chains.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        self.sets = Dictionary(sets.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
    }

    /// `ip berth`: how commands name the table.
    public var qualifiedName: String { "\(family) \(name)" }

    /// Checks names and comments before anything is sent to the kernel, so a bad value fails
    /// with a sentence rather than an nft parse error in the middle of a transaction.
    public func validate() throws(NFTError) {
        try NFTName.check(name, what: "table")
        for chain in chains.values {
            try NFTName.check(chain.name, what: "chain")
            for rule in chain.rules where rule.comment?.contains("\"") == true || (rule.comment?.utf8.count ?? 0) > NFTRule.maxCommentLength {
                throw NFTError.invalid("rule comment in chain \(chain.name) must be at most \(NFTRule.maxCommentLength) bytes without quotes")
            }
        }
        for set in sets.values {
            try NFTName.check(set.name, what: set.isMap ? "map" : "set")
            if chains[set.name] != nil { throw NFTError.invalid("\(set.name) names both a chain and a set") }
            if set.isMap, Set(set.elements.map { $0.normalised.key }).count != set.elements.count {
                throw NFTError.invalid("map \(set.name) has two elements with the same key")
            }
            for element in set.elements {
                guard element.key.count == set.keyType.count, (element.value?.count ?? 0) == (set.valueType?.count ?? 0) else {
                    throw NFTError.invalid("element \(element.text) does not fit \(set.name)'s type \(set.typeText)")
                }
            }
        }
    }
}

/// A chain: a base chain (hooked into the stack) when `base` is set, else a jump target.
public struct NFTChain: Sendable, Hashable {
    public var name: String
    public var base: NFTBaseChain?
    public var rules: [NFTRule]

    public init(name: String, base: NFTBaseChain? = nil, rules: [NFTRule] = []) {
        self.name = name
        self.base = base
        self.rules = rules
    }

    /// The chain's rules as the diff compares them: in order, by fingerprint.
    var fingerprints: [String] { rules.map(\.fingerprint) }
}

/// Where a base chain hooks in.
public struct NFTBaseChain: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case filter, nat, route }
    public enum Hook: String, Sendable, Hashable { case prerouting, input, forward, output, postrouting }
    public enum Policy: String, Sendable, Hashable { case accept, drop }

    public var kind: Kind
    public var hook: Hook
    /// Numeric, as `nft -j` reports it (dstnat is -100, filter 0, srcnat 100).
    public var priority: Int
    public var policy: Policy

    public init(_ kind: Kind, hook: Hook, priority: Int, policy: Policy = .accept) {
        self.kind = kind
        self.hook = hook
        self.priority = priority
        self.policy = policy
    }

    var declaration: String { "type \(kind.rawValue) hook \(hook.rawValue) priority \(priority); policy \(policy.rawValue);" }
}

/// One rule: nft statement text, plus an optional human comment.
///
/// Rules are compared by a fingerprint, not by text: nft prints a rule back in its own words
/// (`priority dstnat`, `counter packets 3 bytes 180`, sets re-ordered), so text written and text
/// read rarely match. The fingerprint (a hash of statement and comment) is written into the rule's
/// comment as `berth:<16 hex>`, and read back from `nft -j`'s `comment` field. A rule edited by
/// hand loses or keeps a now-wrong fingerprint only if the editor forges it; a rule added by hand
/// has none, so either way the chain no longer matches and is flushed and refilled.
public struct NFTRule: Sendable, Hashable {
    /// What nft is told, e.g. `ip saddr @cluster-nets ip daddr != @cluster-nets masquerade`.
    /// For an observed rule, nil: the kernel's rule is known by its fingerprint only.
    public var text: String?
    public var comment: String?
    public var fingerprint: String

    public static let maxCommentLength = 100
    static let marker = "berth:"

    public init(_ text: String, comment: String? = nil) {
        self.text = text
        self.comment = comment
        self.fingerprint = LinkNames.hex(FNV1a.hash64(text + "\u{0}" + (comment ?? "")), digits: 16)
    }

    /// An observed rule, rebuilt from the comment the kernel holds; a rule with no Berth
    /// fingerprint gets one that matches nothing desired.
    public init(observedComment: String?, handle: Int) {
        text = nil
        if let observedComment, observedComment.hasPrefix(NFTRule.marker) {
            let rest = observedComment.dropFirst(NFTRule.marker.count)
            fingerprint = String(rest.prefix(16))
            let tail = rest.dropFirst(16)
            comment = tail.hasPrefix(" ") ? String(tail.dropFirst()) : nil
        } else {
            fingerprint = "foreign-\(handle)"
            comment = observedComment
        }
    }

    /// The comment as stored in the kernel.
    var storedComment: String { NFTRule.marker + fingerprint + (comment.map { " " + $0 } ?? "") }
}

public enum NFTError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalid(String)
    case unreadable(String)

    public var description: String {
        switch self {
        case .invalid(let message): "invalid nftables table: \(message)"
        case .unreadable(let message): "cannot read nft -j output: \(message)"
        }
    }
}

/// nft's grammar takes bare identifiers only in version 1.0.6 (a quoted chain name is a syntax
/// error), and many short words are keywords (`fwd`, `filter`, `nat`). Names with a dash or
/// underscore, as kube-proxy uses (`nat-prerouting`, `service-ips`), are never keywords.
enum NFTName {
    static func check(_ name: String, what: String) throws(NFTError) {
        let bytes = Array(name.utf8)
        let allowed = bytes.allSatisfy { b in
            (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b == UInt8(ascii: "-") || b == UInt8(ascii: "_")
        }
        guard (1...64).contains(bytes.count), allowed, let first = bytes.first, first >= 97, first <= 122,
              bytes.contains(UInt8(ascii: "-")) || bytes.contains(UInt8(ascii: "_")) || what == "table"
        else {
            throw .invalid("\(what) name \"\(name)\" must be lower-case letters, digits, - or _, start with a letter and contain - or _ (so it is never an nft keyword)")
        }
    }
}
