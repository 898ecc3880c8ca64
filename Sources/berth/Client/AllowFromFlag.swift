import BerthCore

/// `--allow-from SOURCE[:PORT[/tcp|udp]]`: one ingress rule admitting SOURCE on PORT, or on
/// every port without one. SOURCE is a service name, an IPv4 network (`10.0.0.0/8`; a bare
/// address is its `/32`) or `*` for anyone. PORT is the port the service's containers listen
/// on (the target port), as the rule is enforced after the VIP's translation.
enum AllowFromFlag {
    static func parse(_ text: String, flag: String) throws -> IngressRule {
        let sourceText: Substring
        var ports: [IngressRule.Port] = []
        if let colon = text.firstIndex(of: ":") {
            sourceText = text[..<colon]
            let portText = String(text[text.index(after: colon)...])
            let (number, proto) = try splitProtocol(portText, whole: text, flag: flag)
            guard let port = Int(number) else {
                throw CLIError("\(flag) \"\(text)\": expected SOURCE[:PORT[/tcp|udp]], like api:80, 10.0.0.0/8:5432 or *:53/udp")
            }
            ports = [IngressRule.Port(port: port, protocol: proto)]
        } else {
            sourceText = text[...]
        }
        return IngressRule(from: try source(String(sourceText), whole: text, flag: flag), ports: ports)
    }

    /// A service, a network, or nobody in particular (`*`: no `from`, so any source).
    private static func source(_ text: String, whole: String, flag: String) throws -> [IngressRule.Source] {
        if text == "*" { return [] }
        guard text.contains(".") || text.contains("/") else {
            guard !text.isEmpty else { throw CLIError("\(flag) \"\(whole)\": expected a service name, a network or * before the port") }
            return [.service(text)]  // the server checks the name and names the field
        }
        do {
            return [.cidr(try CIDR.parse(text.contains("/") ? text : text + "/32"))]
        } catch {
            throw CLIError("\(flag) \(error)")
        }
    }

    private static func splitProtocol(_ text: String, whole: String, flag: String) throws -> (String, PortProtocol) {
        guard let slash = text.firstIndex(of: "/") else { return (text, .tcp) }
        guard let proto = PortProtocol(rawValue: String(text[text.index(after: slash)...])) else {
            throw CLIError("\(flag) \"\(whole)\": the protocol must be tcp or udp")
        }
        return (String(text[..<slash]), proto)
    }

    /// The flag text that makes `rule`, or nil when no single `--allow-from` can (several
    /// sources or ports, as the API allows).
    static func text(_ rule: IngressRule) -> String? {
        guard rule.from.count <= 1, rule.ports.count <= 1 else { return nil }
        var out: String
        switch rule.from.first {
        case nil: out = "*"
        case .service(let name): out = name
        case .cidr(let network): out = network.description
        }
        if let port = rule.ports.first { out += ":\(port.port)/\(port.protocol.rawValue)" }
        return out
    }
}
