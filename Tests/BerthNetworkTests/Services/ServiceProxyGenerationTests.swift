import BerthCore
@testable import BerthNetwork
import BerthTesting
import Foundation
import Testing

/// `verify()` reads the services' table only when the namespace's ruleset generation moved
/// since the table last matched the plan: an idle check reads nothing, a hand edit (or any
/// other change in the namespace) makes the next check read, compare and repair.
@Suite(.serialized, .enabled(if: RequiredTools.available))
struct ServiceProxyGenerationTests {
    typealias F = ServiceFixtures

    @Test func anIdleCheckReadsNothingAndAHandEditIsStillRepaired() throws {
        try ServiceLab.with(nodes: 1) { lab in
            let proxy = lab.proxies[0], ns = lab.namespace(ofNode: 0)
            try proxy.update(F.policyInput())
            _ = try proxy.verify()
            let idle = try proxy.verify()
            #expect(!idle.read && !idle.drifted, "nothing changed: nothing read")
            #expect(proxy.statistics.unchangedChecks >= 1)

            try lab.lab.exec(ns, ["nft", "flush map ip berth-svc svc-ips"])
            let repaired = try proxy.verify()
            #expect(repaired.read && repaired.drifted, "the hand edit is found: \(repaired.repair.commands)")
            #expect(try !proxy.verify().read, "the repair is known to be all that changed")

            // A change anywhere in the namespace moves the generation: read, nothing to repair.
            try lab.lab.exec(ns, ["nft", "add table ip bt-other; delete table ip bt-other"])
            let after = try proxy.verify()
            #expect(after.read && !after.drifted)

            // An update keeps the generation known: the next check reads nothing.
            let report = try proxy.update(F.policyInput(api: F.apiService(members: [F.api, F.ip("198.19.1.99")])))
            #expect(!report.transaction.isEmpty, "a real change: \(report.transaction.commands)")
            #expect(try !proxy.verify().read)
        }
    }

    /// The generation moves by one per committed `nft -f`, and not for a listing.
    @Test func theGenerationCountsCommits() throws {
        try ServiceLab.with(nodes: 1) { lab in
            let ns = lab.namespace(ofNode: 0)
            let generation = try NFTGeneration(namespace: ns)
            let first = try generation.current()
            _ = try lab.lab.exec(ns, ["nft", "list", "ruleset"])
            #expect(try generation.current() == first)
            try lab.lab.exec(ns, ["nft", "add table ip bt-gen; add chain ip bt-gen c; delete table ip bt-gen"])
            #expect(try generation.current() == first &+ 1)
        }
    }
}
