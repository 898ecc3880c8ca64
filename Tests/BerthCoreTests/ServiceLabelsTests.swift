import BerthCore
import Foundation
import Testing

/// Service labels: validated like node labels for keys, wider for values, and turned into
/// Consul tags by one documented rule.
@Suite struct ServiceLabelsTests {
    @Test(arguments: [
        ["traefik.enable": "true"],
        ["traefik.http.routers.web.rule": "Host(`web.example`) && PathPrefix(`/api`)"],
        ["tag.fabio": "urlprefix-/shop strip=/shop"],
        ["primary": ""],
        ["quote": #"a "quoted" \ value"#],
        ["long": String(repeating: "v", count: 255)],
    ])
    func acceptsRoutingValues(_ labels: [String: String]) throws {
        try ServiceLabels.validate(labels)
    }

    @Test(arguments: [
        (["bad/key": "x"], "labels.bad/key"),
        (["-a": "x"], "labels.-a"),
        (["a": "tab\there"], "labels.a"),
        (["a": "new\nline"], "labels.a"),
        (["a": "é"], "labels.a"),
        (["a": String(repeating: "v", count: 256)], "labels.a"),
    ])
    func rejectsWithTheField(_ labels: [String: String], _ field: String) {
        let error = #expect(throws: BerthError.self) { try ServiceLabels.validate(labels) }
        #expect(error?.field == field)
    }

    @Test func rejectsMoreThan64() {
        let labels = Dictionary(uniqueKeysWithValues: (0..<65).map { ("k\($0)", "v") })
        let error = #expect(throws: BerthError.self) { try ServiceLabels.validate(labels) }
        #expect(error?.field == "labels")
    }

    @Test(arguments: [
        ([:], []),
        (["traefik.enable": "true"], ["traefik.enable=true"]),
        (["primary": ""], ["primary"]),
        (["tag.fabio": "urlprefix-/shop"], ["urlprefix-/shop"]),
        (["tag.empty": ""], ["tag.empty"]),
        (["b": "2", "a": "1", "tag.x": "verbatim"], ["a=1", "b=2", "verbatim"]),
    ] as [([String: String], [String])])
    func consulTags(_ labels: [String: String], _ tags: [String]) {
        #expect(ServiceLabels.consulTags(labels) == tags)
    }

    @Test func specCarriesLabelsBothWays() throws {
        let spec = try JSONDecoder().decode(ServiceSpec.self, from: Data(#"{"template":{"image":"x"},"labels":{"team":"a"}}"#.utf8))
        #expect(spec.labels == ["team": "a"])
        let plain = try JSONDecoder().decode(ServiceSpec.self, from: Data(#"{"template":{"image":"x"}}"#.utf8))
        #expect(plain.labels.isEmpty)
        let service = Service(name: "web", spec: spec)
        let encoded = try JSONEncoder().encode(service)
        let back = try JSONDecoder().decode(Service.self, from: encoded)
        #expect(back.spec.labels == ["team": "a"])
    }

    @Test func specValidatesItsLabels() {
        let spec = ServiceSpec(template: ContainerTemplate(image: "x"), labels: ["a": "bad\u{7}"])
        let error = #expect(throws: BerthError.self) { try spec.validate() }
        #expect(error?.field == "labels.a")
    }
}
