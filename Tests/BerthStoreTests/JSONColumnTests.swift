@testable import BerthStore
import Testing

/// The fast label-map reader agrees with JSONDecoder, and defers to it for anything unusual.
@Suite struct JSONColumnTests {
    @Test(arguments: [
        #"{}"#, #"{"zone":"a"}"#, #"{"disk":"ssd","zone":"a-1","x.y/z":"v_2"}"#, #"{"a":""}"#,
        #"{"k":"with \"quote\""}"#, #"{"k":"é"}"#, #"{ "spaced" : "out" }"#,
    ])
    func readsWhatJSONDecoderReads(_ text: String) throws {
        #expect(try JSONColumn.decodeStringMap(text) == (try JSONColumn.decode([String: String].self, from: text)))
    }

    @Test func roundTripsWhatTheStoreWrites() throws {
        let labels = ["zone": "a", "disk": "ssd", "rack": "r-12.b"]
        #expect(try JSONColumn.decodeStringMap(try JSONColumn.encode(labels)) == labels)
    }

    @Test func refusesWhatIsNotAStringMap() {
        #expect(throws: (any Error).self) { try JSONColumn.decodeStringMap(#"{"a":1}"#) }
        #expect(throws: (any Error).self) { try JSONColumn.decodeStringMap(#"{"a":"b""#) }
    }
}
