@testable import BerthAgent
import BerthCore
import BerthNetwork
import Foundation
import Testing

/// The agent's reading of the services' documents into rules: typed once, and never fewer
/// rules than the server gave (issue 18, "a rule the agent cannot parse stops the agent's
/// programming of that service, never widens it").
@Suite struct ServiceRulesViewTests {
    static func document(_ json: String) throws -> ServiceDocument {
        try JSONDecoder().decode(ServiceDocument.self, from: Data(json.utf8))
    }

    static func db(ingress: String, vip: String = "\"198.19.128.5\"") -> String {
        """
        {"service":"db","vip":\(vip),"ports":[{"port":5353,"targetPort":5353,"protocol":"udp"}],
         "loadBalancer":{"algorithm":"sourceHash","affinityTimeout":"10m"},"ingress":\(ingress),
         "targets":[{"container":"c1","node":"n1","ip":"198.19.0.2","port":5353,"hostAddress":"10.0.0.1","hostPort":null}],"healthy":1,"members":null}
        """
    }

    static let onlyAPI = #"[{"from":[{"service":"api"}],"ports":[{"port":5353,"protocol":"udp"}]}]"#
    static let local = [LocalContainer(ip: IPv4Address("198.19.0.2")!, service: "db")]

    @Test func aDocumentIsReadIntoTypedRules() throws {
        var view = ServiceRulesView()
        view.replaceAll([try Self.document(Self.db(ingress: Self.onlyAPI))])
        let db = try #require(view.rules["db"])
        #expect(db.vip == IPv4Address("198.19.128.5"))
        #expect(db.algorithm == .sourceHash && db.affinityTimeout == .seconds(600))
        #expect(db.ports == [ServiceRules.Port(port: 5353, proto: .udp, targets: [ServiceRules.Target(ip: IPv4Address("198.19.0.2")!, port: 5353)])])
        #expect(db.ingress == [ServiceRules.IngressRule(from: [.service("api")], ports: [ServiceRules.PolicyPort(port: 5353, proto: .udp)])])
        #expect(view.refused.isEmpty)
    }

    /// A rule that does not read (an unknown protocol; a source naming neither a service nor a
    /// CIDR) is not dropped: the service is refused and, never read before, programmed closed.
    @Test(arguments: [
        #"[{"from":[{"service":"api"}],"ports":[{"port":5353,"protocol":"sctp"}]}]"#,
        #"[{"from":[{"name":"api"}],"ports":[{"port":5353,"protocol":"udp"}]}]"#,
        #"[{"from":[{"cidr":"10.0.0.0/33"}],"ports":[]}]"#,
        #"[{"from":[{"service":"api"}],"ports":[{"port":70000,"protocol":"udp"}]}]"#,
    ])
    func anUnreadableRuleClosesItsService(_ ingress: String) throws {
        var view = ServiceRulesView()
        view.replaceAll([try Self.document(Self.db(ingress: ingress))])
        #expect(view.refused["db"] != nil)
        #expect(view.rules["db"] == nil)
        let input = ServiceInput.make(view.services, local: Self.local)
        let db = try #require(input.services.first { $0.name == "db" })
        #expect(db.closed && db.policed && db.vip == nil)
        // Its container here goes through a policy chain that accepts nothing.
        let table = try ServiceRules.table(input)
        let chain = try #require(table.chains.values.first { $0.name.hasPrefix("pol-") && !$0.name.hasPrefix("pol-src-") })
        #expect(!chain.rules.contains { $0.text?.contains("accept") == true }, "\(chain.rules.map { $0.text ?? "" })")
        #expect(table.sets["pol-dests"]?.elements.count == 1)
    }

    /// Read once, then unreadable: its programming stops where it was (the earlier rules stay),
    /// and it is refused, so no new container of it starts.
    @Test func anUnreadableUpdateKeepsTheEarlierRules() throws {
        var view = ServiceRulesView()
        view.replaceAll([try Self.document(Self.db(ingress: Self.onlyAPI))])
        let before = try #require(view.rules["db"])
        view.update(try Self.document(Self.db(ingress: #"[{"from":[{"service":"api"}],"ports":[{"port":5353,"protocol":"sctp"}]}]"#)))
        #expect(view.rules["db"] == before)
        #expect(view.refused["db"]?.contains("sctp") == true, "\(view.refused)")
        #expect(PolicyAdmission.decide(service: "db", revision: 1, state: PolicyState(listed: true, applied: 1, services: view.names, refused: view.refused))
            == .refuse("the ingress rules of service db cannot be programmed: \(view.refused["db"]!)"))
        // Readable again: programmed, no longer refused.
        view.update(try Self.document(Self.db(ingress: "[]")))
        #expect(view.refused.isEmpty && view.rules["db"]?.ingress == [])
        view.remove("db")
        #expect(view.names.isEmpty)
    }

    /// A service without a VIP keeps its ingress rules: its containers here are policed.
    @Test func aServiceWithoutAVIPKeepsItsPolicy() throws {
        var view = ServiceRulesView()
        view.replaceAll([try Self.document(Self.db(ingress: Self.onlyAPI, vip: "null"))])
        let db = try #require(view.rules["db"])
        #expect(db.vip == nil && db.policed)
        let table = try ServiceRules.table(ServiceInput.make(view.services, local: Self.local))
        #expect(table.sets["pol-dests"]?.elements.count == 1, "its container's policy element")
        #expect(table.sets["svc-ips"]?.elements.isEmpty ?? true, "no VIP rules")
    }

    /// A list replaces everything: services not in it are gone, refusals are re-read.
    @Test func aListReplacesTheView() throws {
        var view = ServiceRulesView()
        view.replaceAll([try Self.document(Self.db(ingress: "[]")), try Self.document(#"{"service":"web","ports":"nope"}"#)])
        #expect(view.names == ["db", "web"] && view.refused.keys.sorted() == ["web"])
        view.replaceAll([try Self.document(Self.db(ingress: "[]"))])
        #expect(view.names == ["db"] && view.refused.isEmpty)
    }
}
