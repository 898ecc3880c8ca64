import BerthCore
import Foundation

/// Seeded random containers for the JSON rendering tests: every field, every optional absent or
/// present, text with escapes, control characters and non-ASCII.
public struct RandomContainers {
    public var random: SplitMix64

    public init(_ random: SplitMix64) { self.random = random }

    mutating func int(_ range: ClosedRange<Int>) -> Int { random.int(in: range) }
    mutating func bool() -> Bool { random.next() & 1 == 1 }
    mutating func maybe<T>(_ make: (inout RandomContainers) -> T) -> T? { bool() ? make(&self) : nil }

    static let pieces = ["a", "web", "x.y/z", "é", "✓", "\"", "\\", "\n", "\t", "\u{1}", "/", " ", "0", "-", "_"]
    static let labelPieces = ["a", "b", "zone", "x", "9", "-", "_", ".", "/"]

    mutating func text(_ from: [String] = pieces, max: Int = 6) -> String {
        (0..<int(0...max)).map { _ in from[int(0...(from.count - 1))] }.joined()
    }

    mutating func label() -> String { "k" + text(Self.labelPieces, max: 4) }

    public mutating func id() -> String { String((0..<16).map { _ in Array("0123456789abcdef")[int(0...15)] }) }

    mutating func date() -> Date { Date(timeIntervalSince1970: Double(int(0...2_000_000_000)) + Double(int(0...999)) / 1000) }

    public mutating func template() -> ContainerTemplate {
        var ports: [ContainerPort] = []
        for i in 0..<int(0...3) {
            ports.append(ContainerPort(name: "p\(i)", containerPort: int(1...65535), protocol: bool() ? .tcp : .udp, hostPort: maybe { $0.int(1...65535) }))
        }
        var env: [String: String] = [:]
        for _ in 0..<int(0...3) { env["E_" + String(int(0...99))] = text() }
        return ContainerTemplate(
            image: "img/" + text(), command: (0..<int(0...3)).map { _ in text() }, env: env,
            resources: Resources(cpu: int(0...64000), memory: int(0...65536)), ports: ports,
            healthCheck: maybe {
                $0.bool() ? HealthCheck(http: "/" + $0.text())
                    : HealthCheck(http: "/h", interval: .milliseconds(Int64($0.int(100...3_600_000))), timeout: .seconds(Int64($0.int(1...3600))))
            },
            restartPolicy: [.always, .onFailure, .never][int(0...2)]
        )
    }

    static let rules: [Constraint] = [
        "node.labels.zone==a", "node.name!=n1", "node.labels.x in (a,b,c)", "node.address notin (1.2.3.4)", "node.labels.gpu exists",
    ]

    /// A container on one of `nodes` nodes (n0…), named `name` or not at all half the time (a
    /// store needs its nodes to exist and its names to be unique); without `name`, a random one.
    public mutating func container(nodes: Int = 10, name: String? = nil) -> Container {
        let named = name.map { unique in maybe { _ in unique } } ?? maybe { "c-" + String($0.int(0...999)) }
        var labels: [String: String] = [:]
        var hostPorts: [String: Int] = [:]
        for _ in 0..<int(0...3) { labels[label()] = text(Self.labelPieces) }
        for _ in 0..<int(0...2) { hostPorts["p\(int(0...9))"] = int(1...65535) }
        return Container(
            id: id(), name: named, service: maybe { "s" + String($0.int(0...9)) },
            node: maybe { "n" + String($0.int(0...(nodes - 1))) }, ip: maybe { "10.88.\($0.int(0...255)).\($0.int(0...255))" },
            state: ContainerState.allCases[int(0...(ContainerState.allCases.count - 1))], desiredState: bool() ? .running : .stopped,
            reason: maybe { $0.text() }, exitCode: maybe { $0.int(-255...255) }, healthy: maybe { $0.bool() },
            hostPorts: hostPorts, labels: labels, template: template(),
            constraints: (0..<int(0...2)).map { _ in Self.rules[int(0...(Self.rules.count - 1))] },
            preferences: (0..<int(0...2)).map { _ in Preference(constraint: Self.rules[int(0...(Self.rules.count - 1))], weight: int(1...100)) },
            attempt: int(0...20), startedAt: maybe { $0.date() }, finishedAt: maybe { $0.date() },
            job: maybe { "j" + String($0.int(0...9)) }, jobIndex: maybe { $0.int(0...99) },
            createIndex: UInt64(int(0...1_000_000)), modifyIndex: UInt64(int(0...1_000_000))
        )
    }
}
