/// The target document written by hand: every status report that moves a target or a member
/// logs the service's whole document, and JSONEncoder spent ~1.6 µs a target or member on it
/// (a fifth of such a report's server CPU at 100 replicas). Byte for byte what `JSONEncoder` with
/// sorted keys and unescaped slashes writes; tests hold the two together.
extension ServiceTargets: JSONTextEncodable {
    public var jsonText: String {
        var out = "{\"healthy\":" + String(healthy)
        out += ",\"ingress\":" + JSONText.array(ingress) { $0.jsonText }
        out += ",\"loadBalancer\":" + loadBalancer.jsonText
        out += ",\"members\":" + (members.map { JSONText.array($0) { $0.jsonText } } ?? "null")
        out += ",\"ports\":" + JSONText.array(ports) { $0.jsonText }
        out += ",\"service\":" + JSONText.quote(service)
        out += ",\"targets\":" + JSONText.array(targets) { $0.jsonText }
        out += ",\"vip\":" + (vip.map(JSONText.quote) ?? "null")
        return out + "}"
    }
}

extension ServiceTargets.Target {
    var jsonText: String {
        var out = "{\"container\":" + JSONText.quote(container)
        out += ",\"hostAddress\":" + JSONText.quote(hostAddress)
        out += ",\"hostPort\":" + (hostPort.map { String($0) } ?? "null")
        out += ",\"ip\":" + (ip.map(JSONText.quote) ?? "null")
        out += ",\"node\":" + JSONText.quote(node)
        return out + ",\"port\":" + String(port) + "}"
    }
}

extension ServiceTargets.Member {
    var jsonText: String {
        "{\"container\":" + JSONText.quote(container) + ",\"ip\":" + JSONText.quote(ip) + ",\"node\":" + JSONText.quote(node) + "}"
    }
}

extension ServicePort {
    /// As its synthesized encoding: `name` only when it has one.
    var jsonText: String {
        var out = "{"
        if let name { out += "\"name\":" + JSONText.quote(name) + "," }
        return out + "\"port\":" + String(port) + ",\"protocol\":\"" + `protocol`.rawValue + "\",\"targetPort\":" + String(targetPort) + "}"
    }
}

extension LoadBalancer {
    var jsonText: String {
        "{\"affinityTimeout\":\"" + DurationText.format(affinityTimeout) + "\",\"algorithm\":\"" + algorithm.rawValue + "\"}"
    }
}

extension IngressRule {
    var jsonText: String {
        let from = JSONText.array(from) { source in
            switch source {
            case .service(let name): "{\"service\":" + JSONText.quote(name) + "}"
            case .cidr(let network): "{\"cidr\":\"" + network.description + "\"}"
            }
        }
        let ports = JSONText.array(ports) { "{\"port\":" + String($0.port) + ",\"protocol\":\"" + $0.protocol.rawValue + "\"}" }
        return "{\"from\":" + from + ",\"ports\":" + ports + "}"
    }
}

extension JSONText {
    /// `[a,b,…]` of the elements' JSON.
    static func array<T>(_ elements: [T], _ element: (T) -> String) -> String {
        var out = "["
        for (i, value) in elements.enumerated() {
            if i > 0 { out += "," }
            out += element(value)
        }
        return out + "]"
    }
}
