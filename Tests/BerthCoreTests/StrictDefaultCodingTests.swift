import BerthCore
import Foundation
import Testing

/// The mechanism behind the derived decoders (`StrictDecodable`, `@Defaulted`, `@Default`): a
/// synthesized `init(from:)` refuses unknown fields as a hand-written one with
/// `strictContainer` did, fails with the same errors, and takes the same defaults.
@Suite struct StrictDefaultCodingTests {
    /// `Resources` as it was decoded by hand, to compare against.
    struct HandWritten: Decodable {
        var cpu: Int
        var memory: Int
        enum CodingKeys: String, CodingKey { case cpu, memory }
        init(from decoder: any Decoder) throws {
            let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
            cpu = try c.decode(Int.self, forKey: .cpu)
            memory = try c.decode(Int.self, forKey: .memory)
        }
    }

    struct Derived: Decodable { var one: Resources; var list: [Resources]; var maybe: Resources? }
    struct Manual: Decodable { var one: HandWritten; var list: [HandWritten]; var maybe: HandWritten? }

    @Test(arguments: [
        #"{"one":{"cpu":1,"memory":2,"gpu":3},"list":[]}"#,
        #"{"one":{"cpu":1,"memory":2},"list":[{"cpu":1,"memory":2},{"cpu":1,"memory":2,"x":1}]}"#,
        #"{"one":{"cpu":1,"memory":2},"list":[],"maybe":{"cpu":1,"memory":2,"y":1}}"#,
        #"{"list":[]}"#,
        #"{"one":null,"list":[]}"#,
        #"{"one":{"cpu":1,"memory":2},"list":[null]}"#,
        #"{"one":{"cpu":1},"list":[]}"#,
        #"{"one":[],"list":[]}"#,
        #"{"one":"x","list":[]}"#,
        #"{"one":{"cpu":1,"memory":2},"list":{}}"#,
        #"{"one":{"cpu":1,"memory":2},"list":[],"maybe":3}"#,
    ])
    func aDerivedStrictDecoderFailsAsAHandWrittenOne(json: String) {
        let derived = decodingError(Derived.self, json)
        #expect(derived != nil)
        #expect(derived == decodingError(Manual.self, json))
    }

    @Test func aStrictTypeIsStrictAtTheTopToo() throws {
        let json = #"{"cpu":1,"memory":2,"gpu":3}"#
        #expect(decodingError(Resources.self, json) == .invalidArgument(field: "gpu", message: "unknown field"))
        // Named at the call site, JSONDecoder's own `decode` picks the strict overload.
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Resources.self, from: Data(json.utf8)) }
        #expect(try decode(Resources.self, #"{"cpu":1,"memory":2}"#) == Resources(cpu: 1, memory: 2))
    }

    @Test func anAbsentOrNullFieldTakesItsDefault() throws {
        #expect(try decode(Placement.self, "{}") == Placement())
        #expect(try decode(Placement.self, #"{"strategy":null,"spreadBy":null,"maxPerNode":null,"preferences":null}"#) == Placement())
        let preference = try decode(Preference.self, #"{"constraint":"node.name==a","weight":null}"#)
        #expect(preference.weight == 1)
        #expect(decodingError(Placement.self, #"{"maxPerNode":"2"}"#) == .invalidArgument(field: "maxPerNode", message: "expected an integer"))
    }

    @Test func aDefaultedFieldIsWrittenAsItsValue() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(Placement()), as: UTF8.self)
        #expect(json == #"{"maxPerNode":0,"preferences":[],"spreadBy":[],"strategy":"spread"}"#)
    }

    @Test func aServiceIsReadLenientlyButWhatItHoldsStaysStrict() throws {
        let json = #"{"name":"web","template":{"image":"web"},"runningReplicas":0,"createIndex":1,"modifyIndex":2,"fromANewerServer":1}"#
        let service = try decode(Service.self, json)
        #expect(service == Service(name: "web", spec: ServiceSpec(template: ContainerTemplate(image: "web")), createIndex: 1, modifyIndex: 2))
        let nested = json.replacingOccurrences(of: #""fromANewerServer":1"#, with: #""update":{"failureAction":"pause"}"#)
        #expect(decodingError(Service.self, nested) == .invalidArgument(field: "update.failureAction", message: "unknown field"))
        #expect(decodingError(ServiceSpec.self, #"{"template":{"image":"web"},"fromANewerServer":1}"#)
            == .invalidArgument(field: "fromANewerServer", message: "unknown field"))
    }
}
