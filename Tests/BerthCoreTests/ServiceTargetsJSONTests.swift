import BerthCore
import BerthTesting
import Foundation
import Testing

/// The hand-written target document is byte for byte what JSONEncoder (sorted keys, slashes
/// unescaped, as the store and the API encode) writes, and decodes back to the same value.
@Suite struct ServiceTargetsJSONTests {
    static func encoded(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static let fixed: [ServiceTargets] = [
        ServiceTargets(service: "web", vip: nil, ports: [], loadBalancer: LoadBalancer(), targets: []),
        ServiceTargets(service: "web", vip: "10.96.0.1", ports: [], loadBalancer: LoadBalancer(), targets: [], members: []),
        ServiceTargets(
            service: "db", vip: "10.96.0.7",
            ports: [ServicePort(name: "pg", port: 5432, targetPort: 5433), ServicePort(port: 53, targetPort: 5353, protocol: .udp)],
            loadBalancer: LoadBalancer(algorithm: .sourceHash, affinityTimeout: .milliseconds(1500)),
            ingress: [
                IngressRule(from: [.service("api"), .cidr(CIDR("10.0.0.0/8")!), .cidr(CIDR("0.0.0.0/0")!)],
                            ports: [IngressRule.Port(port: 5432), IngressRule.Port(port: 53, protocol: .udp)]),
                IngressRule(),
            ],
            targets: [
                ServiceTargets.Target(container: "3f9a0c2d7b1e4a65", node: "n1", ip: "10.88.0.2", port: 5433, hostAddress: "198.18.0.1", hostPort: 31001),
                ServiceTargets.Target(container: "3f9a0c2d7b1e4a66", node: "n2", ip: nil, port: 5433, hostAddress: "fd00::1", hostPort: nil),
            ],
            members: [ServiceTargets.Member(container: "3f9a0c2d7b1e4a65", ip: "10.88.0.2", node: "n1")]
        ),
        // Text no validation would let in still comes out as the encoder writes it.
        ServiceTargets(
            service: "odd\"\\/\n\t\u{1} é", vip: "a/b", ports: [ServicePort(name: "x\"y", port: 1, targetPort: 65535)],
            loadBalancer: LoadBalancer(algorithm: .leastConn, affinityTimeout: .seconds(86_400)),
            ingress: [IngressRule(from: [.service("q\"uote")])],
            targets: [ServiceTargets.Target(container: "c\u{7}", node: "n\\", ip: "1/2", port: 1, hostAddress: "h\u{c}", hostPort: 0)],
            members: [ServiceTargets.Member(container: "m\u{8}", ip: "i\"p", node: "✓")]
        ),
    ]

    @Test(arguments: fixed)
    func documentTextIsWhatJSONEncoderWrites(_ targets: ServiceTargets) throws {
        #expect(targets.jsonText == (try Self.encoded(targets)))
        #expect(try JSONDecoder().decode(ServiceTargets.self, from: Data(targets.jsonText.utf8)) == targets)
    }

    /// Random documents: every algorithm, durations of every unit, optional fields present or not.
    @Test(arguments: TestSeeds.or([1, 2, 3, 4, 5, 6, 7, 8]))
    func randomDocumentsAgree(_ seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        for _ in 0..<50 {
            let targets = Self.document(&random)
            #expect(targets.jsonText == (try Self.encoded(targets)), "seed \(seed)")
        }
    }

    static func document(_ random: inout SplitMix64) -> ServiceTargets {
        func name() -> String { "s\(random.int(in: 0...99_999))" }
        func address() -> String { "10.\(random.int(in: 0...255)).\(random.int(in: 0...255)).\(random.int(in: 1...254))" }
        let ports = (0..<random.int(in: 0...3)).map { _ in
            ServicePort(name: random.bool() ? name() : nil, port: random.int(in: 1...65535), targetPort: random.int(in: 1...65535),
                        protocol: random.bool() ? .tcp : .udp)
        }
        let durations: [Duration] = [.milliseconds(random.int(in: 1...999)), .seconds(random.int(in: 1...59)),
                                     .seconds(60 * random.int(in: 1...59)), .seconds(3600 * random.int(in: 1...24)),
                                     .milliseconds(random.int(in: 1000...86_400_000))]
        let rules = (0..<random.int(in: 0...3)).map { _ in
            IngressRule(
                from: (0..<random.int(in: 0...3)).map { _ in
                    random.bool() ? .service(name()) : .cidr(CIDR(network: IPv4Address(UInt32(truncatingIfNeeded: random.next())), prefix: random.int(in: 0...32)))
                },
                ports: (0..<random.int(in: 0...3)).map { _ in IngressRule.Port(port: random.int(in: 1...65535), protocol: random.bool() ? .tcp : .udp) }
            )
        }
        let targets = (0..<random.int(in: 0...5)).map { i in
            ServiceTargets.Target(container: "c\(i)", node: name(), ip: random.bool() ? address() : nil, port: random.int(in: 1...65535),
                                  hostAddress: address(), hostPort: random.bool() ? random.int(in: 1...65535) : nil)
        }
        let members = random.bool() ? (0..<random.int(in: 0...5)).map { i in ServiceTargets.Member(container: "m\(i)", ip: address(), node: name()) } : nil
        return ServiceTargets(
            service: name(), vip: random.bool() ? address() : nil, ports: ports,
            loadBalancer: LoadBalancer(algorithm: random.pick(LoadBalancerAlgorithm.allCases)!, affinityTimeout: random.pick(durations)!),
            ingress: rules, targets: targets, members: members
        )
    }
}
