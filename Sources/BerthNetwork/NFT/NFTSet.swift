import BerthCore

/// A named set (`valueType == nil`) or map of a table, with typed elements so that what is
/// written and what `nft -j` reads back compare equal without text normalisation.
public struct NFTSet: Sendable, Hashable {
    public var name: String
    public var keyType: [NFTDataType]
    /// The map's value type; nil for a plain set.
    public var valueType: [NFTDataType]?
    public var flags: Set<NFTSetFlag>
    public var elements: Set<NFTElement>

    public init(name: String, keyType: [NFTDataType], valueType: [NFTDataType]? = nil, flags: Set<NFTSetFlag> = [], elements: Set<NFTElement> = []) {
        self.name = name
        self.keyType = keyType
        self.valueType = valueType
        self.flags = flags
        self.elements = elements
    }

    public var isMap: Bool { valueType != nil }

    var typeText: String {
        let key = keyType.map(\.rawValue).joined(separator: " . ")
        guard let valueType else { return key }
        return key + " : " + valueType.map(\.rawValue).joined(separator: " . ")
    }

    /// The parts of the definition that, when changed, need the set deleted and made again.
    var definition: String { typeText + "|" + flags.map(\.rawValue).sorted().joined(separator: ",") }

    var declaration: String {
        let flagText = flags.isEmpty ? "" : " flags \(flags.map(\.rawValue).sorted().joined(separator: ", "));"
        return "{ type \(typeText);\(flagText) }"
    }
}

/// The element types Berth's tables use. Raw values are nft's type names.
public enum NFTDataType: String, Sendable, Hashable, CaseIterable {
    case ipv4Address = "ipv4_addr"
    case inetProto = "inet_proto"
    case inetService = "inet_service"
    case mark = "mark"
    case verdict = "verdict"
    case etherAddress = "ether_addr"
    /// An interface name (up to 16 bytes), as `iifname` reads it.
    case interfaceName = "ifname"
}

public enum NFTSetFlag: String, Sendable, Hashable, CaseIterable {
    case interval, timeout, constant, dynamic
}

/// One element: a (possibly concatenated) key and, in a map, a value.
public struct NFTElement: Sendable, Hashable, Comparable {
    public var key: [NFTValue]
    public var value: [NFTValue]?

    public init(_ key: [NFTValue], _ value: [NFTValue]? = nil) {
        self.key = key
        self.value = value
    }

    public init(_ key: NFTValue, _ value: NFTValue? = nil) {
        self.init([key], value.map { [$0] })
    }

    /// nft syntax, e.g. `tcp . 8080 : 10.88.3.2 . 80`.
    public var text: String {
        let key = key.map(\.text).joined(separator: " . ")
        guard let value else { return key }
        return key + " : " + value.map(\.text).joined(separator: " . ")
    }

    /// The part `delete element` names.
    var keyText: String { key.map(\.text).joined(separator: " . ") }

    public static func < (a: NFTElement, b: NFTElement) -> Bool { a.text < b.text }
}

/// A typed element part.
public enum NFTValue: Sendable, Hashable {
    case address(IPv4Address)
    case prefix(CIDR)
    case range(IPv4Address, IPv4Address)
    /// An IP protocol number; printed by name where nft knows one (tcp, udp, …).
    case proto(UInt8)
    case port(UInt16)
    case integer(UInt32)
    case verdict(NFTVerdict)
    case mac(MACAddress)
    /// An interface name, printed quoted.
    case interface(String)

    public static let tcp = NFTValue.proto(6)
    public static let udp = NFTValue.proto(17)

    static let protocolNames: [UInt8: String] = [1: "icmp", 6: "tcp", 17: "udp", 132: "sctp", 33: "dccp", 136: "udplite", 47: "gre", 50: "esp", 51: "ah"]
    static let protocolNumbers: [String: UInt8] = Dictionary(uniqueKeysWithValues: protocolNames.map { ($1, $0) })

    public var text: String {
        switch self {
        case .address(let a): "\(a)"
        case .prefix(let c): c.prefix == 32 ? "\(c.network)" : "\(c)"
        case .range(let a, let b): "\(a)-\(b)"
        case .proto(let p): NFTValue.protocolNames[p] ?? "\(p)"
        case .port(let p): "\(p)"
        case .integer(let i): "\(i)"
        case .verdict(let v): v.text
        case .mac(let m): "\(m)"
        case .interface(let name): "\"\(name)\""
        }
    }

    /// A /32 prefix is the address itself: nft stores and prints it as one.
    var normalised: NFTValue {
        if case .prefix(let c) = self, c.prefix == 32 { return .address(c.network) }
        if case .range(let a, let b) = self, a == b { return .address(a) }
        return self
    }
}

public enum NFTVerdict: Sendable, Hashable {
    case accept, drop, `continue`, `return`
    case jump(String)
    case goto(String)

    public var text: String {
        switch self {
        case .accept: "accept"
        case .drop: "drop"
        case .continue: "continue"
        case .return: "return"
        case .jump(let chain): "jump \(chain)"
        case .goto(let chain): "goto \(chain)"
        }
    }

    /// The chain this verdict sends packets to, which must outlive the element.
    var target: String? {
        switch self {
        case .jump(let chain), .goto(let chain): chain
        default: nil
        }
    }
}

extension NFTElement {
    var normalised: NFTElement { NFTElement(key.map(\.normalised), value?.map(\.normalised)) }
    var chainTargets: [String] { (value ?? []).compactMap { if case .verdict(let v) = $0 { v.target } else { nil } } }
}
