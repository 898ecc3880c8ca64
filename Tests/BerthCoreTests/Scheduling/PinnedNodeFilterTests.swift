@testable import BerthCore
import Testing

@Suite struct PinnedNodeFilterTests {
    @Test(arguments: [
        (nil as String?, "n1", nil as String?),
        ("n1", "n1", nil),
        ("n2", "n1", "not the node this global service container is for"),
    ])
    func onlyThePinnedNode(pinned: String?, node: String, reason: String?) {
        let request = SchedFixture.request("c1", pinnedNode: pinned)
        #expect(PinnedNodeFilter().reject(request, on: SchedFixture.node(node)) == reason)
    }
}

@Suite struct SubnetFilterTests {
    @Test(arguments: [(true, nil as String?), (false, "node has no subnet")])
    func needsASubnet(hasSubnet: Bool, reason: String?) {
        #expect(SubnetFilter().reject(SchedFixture.request("c1"), on: SchedFixture.node("n1", hasSubnet: hasSubnet)) == reason)
    }
}
