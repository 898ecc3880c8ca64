import BerthCore
import BerthHarness
import Foundation
import Testing

/// `ContainerJSON` (and so `Container.jsonText`) writes exactly what `JSONEncoder` with sorted
/// keys writes for the same container: the API's one rendering and the `Codable` conformance
/// clients decode with cannot drift apart.
@Suite struct ContainerJSONTests {
    static func encoded(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static let table: [Container] = [
        Container(id: "0000000000000001", template: ContainerTemplate(image: "nginx:1.27")),
        Container(
            id: "00000000000000ff", name: "once", service: nil, node: "n1", ip: "10.88.0.2", state: .failed, desiredState: .stopped,
            reason: "quote\" back\\slash /slash tab\t nl\n bell\u{7} é ✓", exitCode: -255, healthy: false,
            hostPorts: ["http": 30000, "a": 1], labels: ["app": "web", "x.y/z": "v_2"],
            template: ContainerTemplate(
                image: "registry.example.com/team/app:1.0", command: ["/bin/sh", "-c", "echo \"hi\"\n"], env: ["A": "1", "Z_9": "\u{1}"],
                resources: Resources(cpu: 0, memory: 16_777_216), ports: [ContainerPort(name: "http", containerPort: 80, protocol: .udp, hostPort: 8080)],
                healthCheck: HealthCheck(http: "/healthz?x=1", interval: .milliseconds(1500), timeout: .seconds(3600)), restartPolicy: .onFailure
            ),
            constraints: ["node.labels.zone in (a,b)", "node.name!=n3", "node.labels.gpu !exists"],
            preferences: [Preference(constraint: "node.labels.disk==ssd", weight: 100)], attempt: 7,
            startedAt: Date(timeIntervalSince1970: 1_764_000_000.75), finishedAt: Date(timeIntervalSince1970: 0),
            createIndex: 3, modifyIndex: UInt64.max
        ),
        // A job's container: `job` and `jobIndex` between `ip` and `labels`, only when set.
        Container(
            id: "0000000000000abc", state: .exited, exitCode: 0, labels: ["a": "b"],
            template: ContainerTemplate(image: "worker:1", env: ["BERTH_JOB_INDEX": "4"], restartPolicy: .never), attempt: 2,
            job: "batch", jobIndex: 4, createIndex: 5, modifyIndex: 6
        ),
        Container(id: "0000000000000abd", template: ContainerTemplate(image: "w"), job: "j", jobIndex: nil),
    ]

    @Test(arguments: table)
    func renderingIsWhatJSONEncoderWrites(_ container: Container) throws {
        #expect(container.jsonText == (try Self.encoded(container)))
    }

    /// Seeded random containers: every field, every optional absent or present, text with
    /// escapes and non-ASCII.
    @Test(arguments: [UInt64(1), 7, 20261130])
    func randomContainersRenderAsJSONEncoderWrites(seed: UInt64) throws {
        var random = RandomContainers(SplitMix64(seed: seed))
        for i in 0..<300 {
            let container = random.container()
            let expected = try Self.encoded(container)
            #expect(container.jsonText == expected, "seed \(seed), container \(i): \(expected)")
        }
    }

    @Test func leasesRenderAsJSONEncoderWrites() throws {
        let leases = [
            Lease(network: "default", ip: "10.88.0.2", ownerKind: .container, owner: "00000000000000ff", node: "n1", createIndex: 9),
            Lease(network: "services", ip: "10.96.0.1", ownerKind: .service, owner: "web", node: nil, createIndex: UInt64.max),
            Lease(network: "default", ip: "10.88.3.0/24", ownerKind: .node, owner: "n\"1", node: "n\"1"),
        ]
        for lease in leases { #expect(lease.jsonText == (try Self.encoded(lease))) }
    }

    @Test func templateMembersSplitAsTheyWereWritten() throws {
        let json = #"{"a":[1,{"b":"]}"}],"c":"x\"y","d":null,"e":{"f":[]},"g":-1.5e3}"#
        let members = try #require(JSONMembers.split(json))
        #expect(members.map { String($0.key) } == ["a", "c", "d", "e", "g"])
        #expect(members.map { String($0.value) } == [#"[1,{"b":"]}"}]"#, #""x\"y""#, "null", #"{"f":[]}"#, "-1.5e3"])
        #expect(JSONMembers.split("[]") == nil)
        #expect(JSONMembers.split(#"{"a":"#) == nil)
        #expect(JSONMembers.split("{}")?.isEmpty == true)
    }
}

