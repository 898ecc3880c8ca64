import BerthCore
import Foundation
import Testing

/// The inputs of the data plane: VTEP MACs on nodes, backends and VNIs on networks.
@Suite struct NetworkInputTests {
    // MARK: VTEP MACs

    @Test(arguments: ["02:42:ac:11:00:02", "00:00:00:00:00:01", "fe:ff:ff:ff:ff:ff", "9a:bc:de:f0:12:34", "0e:00:00:00:00:00"])
    func acceptsUnicastMACs(_ mac: String) throws {
        try Rules.unicastMAC(mac, field: "vtepMAC")
    }

    @Test(arguments: [
        ("01:00:5e:00:00:01", "multicast"), ("ff:ff:ff:ff:ff:ff", "multicast"), ("03:42:ac:11:00:02", "multicast"),
        ("0f:00:00:00:00:00", "multicast"), ("00:00:00:00:00:00", "not a usable"),
        ("02:42:AC:11:00:02", "lower-case"), ("02-42-ac-11-00-02", "lower-case"), ("0242.ac11.0002", "lower-case"),
        ("02:42:ac:11:00", "lower-case"), ("02:42:ac:11:00:02:03", "lower-case"), ("2:42:ac:11:00:02", "lower-case"),
        ("02:42:ac:11:00:0g", "lower-case"), ("", "lower-case"), ("02:42:ac:11:00:02 ", "lower-case"),
    ])
    func refusesAnythingElseNamingTheField(_ mac: String, _ why: String) {
        let error = #expect(throws: BerthError.self) { try Rules.unicastMAC(mac, field: "vtepMAC") }
        #expect(error?.field == "vtepMAC")
        #expect(error?.argumentMessage?.contains(why) == true, "\(error?.message ?? "-")")
    }

    @Test func aNodeSpecChecksItsMACOnlyWhenGiven() throws {
        try NodeSpec(address: "198.18.0.2", capacity: Resources(cpu: 1, memory: 1)).validate()
        try NodeSpec(address: "198.18.0.2", capacity: Resources(cpu: 1, memory: 1), vtepMAC: "02:00:00:00:00:01").validate()
        let error = #expect(throws: BerthError.self) {
            try NodeSpec(address: "198.18.0.2", capacity: Resources(cpu: 1, memory: 1), vtepMAC: "01:00:00:00:00:01").validate()
        }
        #expect(error?.field == "vtepMAC")
    }

    // MARK: network specs

    static func decode(_ text: String) throws -> NetworkSpec {
        try JSONDecoder().decode(NetworkSpec.self, from: Data(text.utf8))
    }

    @Test func backendAndVNIDefaultToVXLANOne() throws {
        let spec = try Self.decode(#"{"subnet":"10.50.0.0/16"}"#)
        #expect(spec.backend == .vxlan)
        #expect(spec.vni == 1)
        #expect(spec.nodePrefix == 24)
        #expect(try Self.decode(#"{"subnet":"10.50.0.0/16","backend":null,"vni":null}"#) == spec)
        let chosen = try Self.decode(#"{"subnet":"10.50.0.0/16","backend":"host-gw","vni":16777215}"#)
        #expect(chosen.backend == .hostGW)
        #expect(chosen.vni == 16_777_215)
        _ = try chosen.validate()
    }

    @Test(arguments: ["hostgw", "VXLAN", "host_gw", "", "ipip"])
    func anUnknownBackendNamesTheFieldAndTheChoices(_ backend: String) {
        let mapped = decodingError(NetworkSpec.self, #"{"subnet":"10.50.0.0/16","backend":"\#(backend)"}"#)
        #expect(mapped?.field == "backend")
        #expect(mapped?.argumentMessage?.contains("vxlan, host-gw") == true, "\(mapped?.message ?? "-")")
    }

    @Test(arguments: [0, -1, 16_777_216, Int.max])
    func anOutOfRangeVNINamesTheField(_ vni: Int) throws {
        let spec = try Self.decode(#"{"subnet":"10.50.0.0/16","vni":\#(vni)}"#)
        let error = #expect(throws: BerthError.self) { _ = try spec.validate() }
        #expect(error?.field == "vni")
    }

    @Test func networksShowTheirBackendAndVNI() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let network = Network(name: "default", subnet: "10.88.0.0/16", nodePrefix: 24, purpose: .containers, backend: .hostGW, vni: 7)
        let text = String(decoding: try encoder.encode(network), as: UTF8.self)
        #expect(text.contains(#""backend":"host-gw""#))
        #expect(text.contains(#""vni":7"#))
        #expect(try JSONDecoder().decode(Network.self, from: Data(text.utf8)) == network)
    }
}
