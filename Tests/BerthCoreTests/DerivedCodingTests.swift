import BerthCore
import Foundation
import Testing

/// The models whose encoding is synthesized write what their hand-written `encode(to:)` did:
/// an absent optional marked `@NullWhenAbsent` as `null`, a plain one not at all, and a
/// `@DurationString` as duration text; and they read back what they wrote.
@Suite struct DerivedCodingTests {
    static func encoded(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decoded<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decodeChecked(type, from: Data(json.utf8))
    }

    @Test func anAbsentOptionalIsWrittenAsNullAndReadFromNullOrNothing() throws {
        let lease = Lease(network: "default", ip: "10.88.1.5", ownerKind: .service, owner: "web", node: nil, createIndex: 7)
        let json = #"{"createIndex":7,"ip":"10.88.1.5","network":"default","node":null,"owner":"web","ownerKind":"service"}"#
        #expect(try Self.encoded(lease) == json)
        #expect(try Self.decoded(Lease.self, json) == lease)
        #expect(try Self.decoded(Lease.self, json.replacingOccurrences(of: #""node":null,"#, with: "")) == lease)

        let token = Token(id: "t1", role: .reader, node: nil, description: "", createdAt: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(try Self.encoded(token) == #"{"createdAt":"2027-01-15T08:00:00Z","description":"","id":"t1","node":null,"revokedAt":null,"role":"reader"}"#)
        #expect(try Self.decoded(Token.self, try Self.encoded(token)) == token)
    }

    @Test func aPresentOptionalIsWrittenAsItsValue() throws {
        let target = ServiceTargets.Target(container: "c1", node: "n1", ip: "10.88.1.2", port: 8080, hostAddress: "192.0.2.1", hostPort: 31000)
        let json = #"{"container":"c1","hostAddress":"192.0.2.1","hostPort":31000,"ip":"10.88.1.2","node":"n1","port":8080}"#
        #expect(try Self.encoded(target) == json)
        #expect(try Self.decoded(ServiceTargets.Target.self, json) == target)
    }

    @Test func durationsAreWrittenAsText() throws {
        let update = UpdateConfig(parallelism: 2, order: .startFirst, delay: .seconds(90))
        #expect(try Self.encoded(update) == #"{"delay":"\#(DurationText.format(.seconds(90)))","order":"start-first","parallelism":2}"#)
        #expect(try Self.decoded(UpdateConfig.self, try Self.encoded(update)) == update)
        let check = HealthCheck(http: "/healthz", interval: .milliseconds(500), timeout: .seconds(2))
        #expect(try Self.encoded(check) == #"{"http":"/healthz","interval":"500ms","timeout":"2s"}"#)
    }

    @Test func aTemplateWritesNoHealthCheckAsNullAndNoSecurityContextNotAtAll() throws {
        let json = try Self.encoded(ContainerTemplate(image: "web"))
        #expect(json.contains(#""healthCheck":null"#))
        #expect(!json.contains("securityContext"))
        #expect(try Self.decoded(ContainerTemplate.self, json) == ContainerTemplate(image: "web"))
    }
}
