import BerthCore
import Foundation
import Testing

/// A template's `securityContext`: strict decoding with Docker's defaults for what is left
/// out, capability names checked against Linux's list (400 naming the field), and the set a
/// container ends with computed as Docker's TweakCapabilities does.
struct SecurityContextTests {
    @Test func leftOutFieldsAreDockersDefaults() throws {
        let context = try decode(SecurityContext.self, #"{"capAdd":null}"#)
        #expect(context == SecurityContext())
        #expect(context.noNewPrivileges)
        #expect(context.seccomp == .default)
        #expect(!context.privileged)
        #expect(context.capabilities == SecurityContext.knownCapabilities.filter(SecurityContext.defaultCapabilities.contains))
        #expect(context.capabilities.count == 14)
    }

    @Test func anUnknownFieldIsRefusedByName() {
        #expect(decodingError(ContainerSpec.self, #"{"image":"host","securityContext":{"capAdd":[],"runAsRoot":true}}"#)?.field == "securityContext.runAsRoot")
    }

    @Test(arguments: [
        (#"{"capAdd":["NET_ADMIN"]}"#, "securityContext.capAdd[0]", false),
        (#"{"capAdd":["SYS_GOD"]}"#, "securityContext.capAdd[0]", true),
        (#"{"capAdd":["ALL"]}"#, "securityContext.capAdd[0]", true),
        (#"{"capDrop":["ALL"]}"#, "securityContext.capDrop[0]", false),
        (#"{"capDrop":["CAP_KILL","cap_chown"]}"#, "securityContext.capDrop[1]", true),
        (#"{"runAsUser":-1}"#, "securityContext.runAsUser", true),
        (#"{"runAsGroup":4294967295}"#, "securityContext.runAsGroup", true),
    ])
    func capabilityNamesAndIDsAreChecked(json: String, field: String, refused: Bool) throws {
        let template = try decode(ContainerTemplate.self, #"{"image":"host","securityContext":\#(json)}"#)
        do {
            try template.validate(prefix: "")
            #expect(!refused, "\(json) passed")
        } catch {
            #expect(refused, "\(json): \(error)")
            #expect(error.field == field)
        }
    }

    @Test func theCapabilitiesAContainerEndsWith() {
        #expect(SecurityContext(capAdd: ["NET_ADMIN"], capDrop: ["CAP_KILL"]).capabilities.contains("NET_ADMIN"))
        #expect(!SecurityContext(capAdd: ["NET_ADMIN"], capDrop: ["CAP_KILL"]).capabilities.contains("KILL"))
        #expect(SecurityContext(capAdd: ["NET_BIND_SERVICE"], capDrop: ["ALL"]).capabilities == ["NET_BIND_SERVICE"])
        #expect(SecurityContext(capDrop: ["ALL"], privileged: true).capabilities == SecurityContext.knownCapabilities)
    }

    @Test func aTemplateWithoutOneRendersAsBeforeAndOneWithOneKeepsIt() throws {
        let plain = ContainerTemplate(image: "host")
        #expect(!plain.canonicalJSON.contains("securityContext"), "templates stored before it existed are unchanged")
        var hardened = plain
        hardened.securityContext = SecurityContext(capDrop: ["ALL"], readOnlyRootFilesystem: true, runAsUser: 1000)
        let decoded = try decode(ContainerTemplate.self, hardened.canonicalJSON)
        #expect(decoded == hardened)
        #expect(decoded != plain, "a changed security context is a template change (services roll out)")
    }
}
