extension CIDR {
    /// Parses an IPv4 network written as `address/prefix` (prefix 0–32 without leading zeros,
    /// host bits zero: exactly what the spec's pattern admits, plus the host-bits rule), saying
    /// what is wrong when it is not one: policy sources and CLI flags quote the problem back.
    public static func parse(_ text: String) throws(CIDRSyntaxError) -> CIDR {
        func fail(_ problem: String) -> CIDRSyntaxError { CIDRSyntaxError(text: text, problem: problem) }
        guard text.utf8.count <= 18 || text.contains(":") else { throw fail("not an IPv4 network like 10.0.0.0/8") }
        guard let slash = text.firstIndex(of: "/") else {
            throw fail("not in CIDR notation: write address/prefix, like 10.0.0.0/8 (or 10.1.2.3/32 for one address)")
        }
        let addressText = text[..<slash]
        let prefixText = text[text.index(after: slash)...]
        guard let address = IPv4Address(addressText) else {
            throw fail(addressText.contains(":") ? "IPv6 is not supported, only IPv4 networks" : "\"\(addressText)\" is not an IPv4 address")
        }
        guard (1...2).contains(prefixText.utf8.count), prefixText.allSatisfy({ $0.isASCII && $0.isNumber }),
              prefixText.count == 1 || prefixText.first != "0", let prefix = Int(prefixText), (0...32).contains(prefix)
        else { throw fail("the prefix length must be a number from 0 to 32, without leading zeros") }
        let network = CIDR(network: address, prefix: prefix)
        guard network.network == address else { throw fail("host bits are set (the network is \(network))") }
        return network
    }
}

/// Why a text is not an IPv4 network in CIDR notation, with the text quoted.
public struct CIDRSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public let problem: String
    public var description: String { "\"\(text.prefix(80))\": \(problem)" }
}
