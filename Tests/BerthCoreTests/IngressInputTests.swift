import BerthCore
import Foundation
import Testing

/// Network policy and session affinity in service specs: parsed as they are decoded, validated
/// with the field named, and shown back with their defaults.
@Suite struct IngressInputTests {
    static func spec(_ fields: String) -> String { #"{"template":{"image":"x"},"# + fields + "}" }

    /// The failure the API reports for a spec body: a decoding error or a `validate()` one.
    static func failure(_ fields: String) -> BerthError? {
        if let error = decodingError(ServiceSpec.self, spec(fields)) { return error }
        do {
            try decode(ServiceSpec.self, spec(fields)).validate()
            return nil
        } catch let error as BerthError {
            return error
        } catch {
            return .unavailable("\(error)")
        }
    }

    // MARK: CIDRs

    @Test(arguments: [
        ("10.0.0.0/8", "10.0.0.0/8"), ("0.0.0.0/0", "0.0.0.0/0"), ("10.1.2.3/32", "10.1.2.3/32"), ("192.168.4.0/22", "192.168.4.0/22"),
    ])
    func parsesNetworks(_ text: String, _ shown: String) throws {
        #expect(try CIDR.parse(text).description == shown)
    }

    @Test(arguments: [
        ("10.0.0.1/8", "host bits are set (the network is 10.0.0.0/8)"), ("10.0.0.0/33", "prefix length"), ("10.0.0.0/-1", "prefix length"),
        ("10.0.0.0/", "prefix length"), ("10.0.0.0/008", "prefix length"), ("10.0.0.0/08", "leading zeros"), ("10.0.0.1", "not in CIDR notation"),
        ("fd00::/8", "IPv6"), ("10.0.0/8", "\"10.0.0\" is not an IPv4 address"), ("010.0.0.0/8", "not an IPv4 address"),
        ("256.0.0.0/8", "not an IPv4 address"), ("", "not in CIDR notation"), ("10.0.0.0/8 ", "prefix length"),
        (String(repeating: "1", count: 300), "not an IPv4 network"),
    ])
    func refusesWhatIsNotANetworkSayingWhy(_ text: String, _ why: String) {
        let error = #expect(throws: CIDRSyntaxError.self) { try CIDR.parse(text) }
        #expect(error?.description.contains(why) == true, "\(error?.description ?? "-")")
    }

    // MARK: ingress rules

    @Test func absentNullOrEmptyIngressIsNoPolicy() throws {
        for fields in [#""replicas":1"#, #""ingress":null"#, #""ingress":[]"#] {
            let spec = try decode(ServiceSpec.self, Self.spec(fields))
            #expect(spec.ingress.isEmpty)
            try spec.validate()
        }
    }

    @Test func rulesDecodeIntoTypedSourcesAndPortsWithDefaults() throws {
        let spec = try decode(ServiceSpec.self, Self.spec(#"""
            "ingress":[{"from":[{"service":"api"},{"cidr":"10.0.0.0/8"}],"ports":[{"port":5432},{"port":53,"protocol":"udp"}]},
                       {"ports":[{"port":80}]},{"from":[{"service":"web","cidr":null}]},{}]
            """#))
        try spec.validate()
        #expect(spec.ingress == [
            IngressRule(from: [.service("api"), .cidr(CIDR("10.0.0.0/8")!)], ports: [IngressRule.Port(port: 5432), IngressRule.Port(port: 53, protocol: .udp)]),
            IngressRule(from: [], ports: [IngressRule.Port(port: 80)]),
            IngressRule(from: [.service("web")], ports: []),
            IngressRule(),
        ])
        // Shown back whole: every list present, every protocol named.
        let shown = try JSONSerialization.jsonObject(with: JSONEncoder().encode(spec.ingress)) as? [[String: Any]]
        #expect(shown?[1]["from"] as? [Any] != nil && (shown?[1]["from"] as? [Any])?.isEmpty == true)
        #expect((shown?[0]["ports"] as? [[String: Any]])?.map { $0["protocol"] as? String } == ["tcp", "udp"])
        #expect((shown?[0]["from"] as? [[String: String]]) == [["service": "api"], ["cidr": "10.0.0.0/8"]])
        #expect(try JSONDecoder().decode([IngressRule].self, from: JSONEncoder().encode(spec.ingress)) == spec.ingress, "round trip")
    }

    static let many = (0..<65).map { _ in #"{"service":"a"}"# }.joined(separator: ",")
    static let manyPorts = (1...65).map { #"{"port":\#($0)}"# }.joined(separator: ",")
    static let manyRules = (0..<33).map { _ in "{}" }.joined(separator: ",")

    @Test(arguments: [
        (#""ingress":[{"from":[{"cidr":"10.0.0.1/8"}]}]"#, "ingress[0].from[0].cidr", "host bits"),
        (#""ingress":[{},{"from":[{"service":"a"},{"cidr":"300.0.0.0/8"}]}]"#, "ingress[1].from[1].cidr", "not an IPv4 address"),
        (#""ingress":[{"from":[{"cidr":"fd00::/8"}]}]"#, "ingress[0].from[0].cidr", "IPv6"),
        (#""ingress":[{"from":[{"cidr":"10.0.0.0/40"}]}]"#, "ingress[0].from[0].cidr", "prefix length"),
        (#""ingress":[{"from":[{"cidr":"10.1.2.3"}]}]"#, "ingress[0].from[0].cidr", "CIDR notation"),
        (#""ingress":[{"from":[{"service":"a","cidr":"10.0.0.0/8"}]}]"#, "ingress[0].from[0]", "exactly one of service"),
        (#""ingress":[{"from":[{}]}]"#, "ingress[0].from[0]", "exactly one of service"),
        (#""ingress":[{"from":[{"service":"Bad_Name"}]}]"#, "ingress[0].from[0].service", "DNS label"),
        (#""ingress":[{"from":[{"service":"a","namespace":"b"}]}]"#, "ingress[0].from[0].namespace", "unknown field"),
        (#""ingress":[{"from":[{"cidr":8}]}]"#, "ingress[0].from[0].cidr", "string"),
        (#""ingress":[{"ports":[{"port":0}]}]"#, "ingress[0].ports[0].port", "between 1 and 65535"),
        (#""ingress":[{"ports":[{"port":80},{"port":65536}]}]"#, "ingress[0].ports[1].port", "between 1 and 65535"),
        (#""ingress":[{"ports":[{"port":80,"protocol":"sctp"}]}]"#, "ingress[0].ports[0].protocol", "must be tcp or udp, got \"sctp\""),
        (#""ingress":[{"ports":[{"protocol":"tcp"}]}]"#, "ingress[0].ports[0].port", "required"),
        (#""ingress":[{"ports":[{"port":"http"}]}]"#, "ingress[0].ports[0].port", "integer"),
        (#""ingress":[{"to":[]}]"#, "ingress[0].to", "unknown field"),
        (#""ingress":{"from":[]}"#, "ingress", "array"),
        (#""ingress":[{"from":[\#(many)]}]"#, "ingress[0].from", "at most 64"),
        (#""ingress":[{"ports":[\#(manyPorts)]}]"#, "ingress[0].ports", "at most 64"),
        (#""ingress":[\#(manyRules)]"#, "ingress", "at most 32"),
    ])
    func badRulesNameTheField(_ fields: String, _ field: String, _ why: String) {
        let error = Self.failure(fields)
        #expect(error?.field == field, "\(error?.message ?? "accepted")")
        #expect(error?.argumentMessage?.contains(why) == true, "\(error?.message ?? "accepted")")
    }

    @Test func anUnknownServiceIsAllowed() throws {
        try decode(ServiceSpec.self, Self.spec(#""ingress":[{"from":[{"service":"not-created-yet"}]}]"#)).validate()
    }

    @Test func limitsAreInclusive() throws {
        let sources = (0..<64).map { _ in #"{"service":"a"}"# }.joined(separator: ",")
        let ports = (1...64).map { #"{"port":\#($0)}"# }.joined(separator: ",")
        let rule = #"{"from":[\#(sources)],"ports":[\#(ports)]}"#
        let rules = Array(repeating: rule, count: 32).joined(separator: ",")
        try decode(ServiceSpec.self, Self.spec(#""ingress":[\#(rules)]"#)).validate()
    }

    // MARK: load balancing

    @Test func algorithmsAndAffinityTimeout() throws {
        let plain = try decode(ServiceSpec.self, Self.spec(#""loadBalancer":{}"#))
        #expect(plain.loadBalancer == LoadBalancer(algorithm: .roundRobin, affinityTimeout: .seconds(10_800)))
        for algorithm in LoadBalancerAlgorithm.allCases {
            let spec = try decode(ServiceSpec.self, Self.spec(#""loadBalancer":{"algorithm":"\#(algorithm.rawValue)"}"#))
            #expect(spec.loadBalancer.algorithm == algorithm)
        }
        let sticky = try decode(ServiceSpec.self, Self.spec(#""loadBalancer":{"algorithm":"sourceHash","affinityTimeout":"90s"}"#))
        try sticky.validate()
        #expect(sticky.loadBalancer.affinityTimeout == .seconds(90))
        let shown = try JSONSerialization.jsonObject(with: JSONEncoder().encode(sticky.loadBalancer)) as? [String: String]
        #expect(shown == ["algorithm": "sourceHash", "affinityTimeout": "90s"])
        #expect(try JSONSerialization.jsonObject(with: JSONEncoder().encode(LoadBalancer())) as? [String: String]
            == ["algorithm": "roundRobin", "affinityTimeout": "3h"], "the default is shown")
        try decode(ServiceSpec.self, Self.spec(#""loadBalancer":{"algorithm":"sourceHash","affinityTimeout":"24h"}"#)).validate()
        try decode(ServiceSpec.self, Self.spec(#""loadBalancer":{"algorithm":"sourceHash","affinityTimeout":"1s"}"#)).validate()
    }

    @Test(arguments: [
        (#""loadBalancer":{"algorithm":"weighted"}"#, "loadBalancer.algorithm", "must be one of roundRobin, random, leastConn, sourceHash"),
        (#""loadBalancer":{"algorithm":"sourceHash","affinityTimeout":"999ms"}"#, "loadBalancer.affinityTimeout", "from 1s to 24h"),
        (#""loadBalancer":{"algorithm":"sourceHash","affinityTimeout":"0s"}"#, "loadBalancer.affinityTimeout", "from 1s to 24h"),
        (#""loadBalancer":{"algorithm":"sourceHash","affinityTimeout":"25h"}"#, "loadBalancer.affinityTimeout", "at most 24h"),
        (#""loadBalancer":{"algorithm":"sourceHash","affinityTimeout":"soon"}"#, "loadBalancer.affinityTimeout", "duration"),
        (#""loadBalancer":{"affinityTimeout":3600}"#, "loadBalancer.affinityTimeout", "string"),
    ])
    func badLoadBalancingNamesTheField(_ fields: String, _ field: String, _ why: String) {
        let error = Self.failure(fields)
        #expect(error?.field == field, "\(error?.message ?? "accepted")")
        #expect(error?.argumentMessage?.contains(why) == true, "\(error?.message ?? "accepted")")
    }
}
