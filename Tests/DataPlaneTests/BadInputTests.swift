import BerthClient
import BerthCore
import BerthLab
import BerthTesting
import Foundation
import Testing

/// Input the data plane cannot honour is refused with a clear answer, and nothing is left
/// half-made: a `dir:` rootfs that does not exist fails the container with that reason; a
/// name collision is a 409; a node address inside the cluster network and an unknown backend
/// are 400s; an agent whose node is refused configures nothing in its namespace.
@Suite(.heavy, .requiresRoot, .requires("ip", "nft", "bridge", "busybox", "timeout"))
struct BadInputTests {
    @Test func badInputIsRefusedAndLeavesNothingHalfMade() async throws {
        try await LabCluster.with(nodes: 1) { cluster in
            let n1 = cluster.lab.nodes[0]
            let client = cluster.client

            // A dir: rootfs that is not there: failed, saying so; nothing of it on the node.
            let missing = "/nonexistent-\(cluster.lab.prefix)/rootfs"
            let lost = try await cluster.run(on: n1, command: ["/bin/sh", "-c", "true"], image: "dir:\(missing)")
            let failed = try await cluster.state(lost.id, .failed)
            #expect(failed.reason?.contains("rootfs \(missing) does not exist") == true, "reason: \(failed.reason ?? "none")")
            #expect(cluster.traces(of: lost.id, on: n1).isEmpty)

            // Two containers with one name: the second is a 409, and the first still runs.
            let name = "\(cluster.lab.prefix)-once"
            let first = try await cluster.running(try await cluster.run(name, on: n1, command: LabWeb.command()).id)
            let collision = try await client.put("/v1/containers", json: ContainerSpec(
                name: name, template: ContainerTemplate(image: "host", command: LabWeb.command())
            ), method: "POST")
            #expect(collision.status == 409, "\(collision.text)")
            #expect(collision.text.contains(name))
            #expect(try await client.container(first.id).value.state == .running)

            // A node address inside the cluster network: 400 naming the address.
            let overlapping = try await client.put("/v1/nodes/\(cluster.lab.prefix)-bad", json: NodeSpec(
                address: "198.19.0.77", capacity: Resources(cpu: 1000, memory: 1024)
            ))
            #expect(overlapping.status == 400, "\(overlapping.text)")
            #expect(overlapping.text.contains("address"), "\(overlapping.text)")

            // An unknown backend: 400 naming the field and the choices; no network made.
            let network = "\(cluster.lab.prefix)-net"
            let unknown = try await client.send("PUT", "/v1/networks/\(network)", body: Data(#"{"subnet":"198.19.64.0/18","backend":"ipip"}"#.utf8))
            #expect(unknown.status == 400, "\(unknown.text)")
            #expect(unknown.text.contains("backend") && unknown.text.contains("vxlan"), "\(unknown.text)")
            #expect(try await client.get("/v1/networks/\(network)").status == 404)

            // An agent told an address inside the cluster network is refused at registration,
            // and while it retries, its node namespace stays exactly as the lab made it.
            let n2 = try cluster.lab.addNode()
            let pristine = try cluster.nodeState(n2)
            try cluster.startAgent(n2, address: "198.19.0.78")
            try await eventually("the agent was refused twice", timeout: .seconds(180)) {
                // "cannot register node NAME yet; retrying", once a try.
                cluster.agentLog(n2).components(separatedBy: "cannot register").count > 2
            }
            #expect(cluster.agentLog(n2).contains("198.19.0.78"), "the refusal names the address: \(cluster.agentLog(n2).suffix(1000))")
            #expect(try cluster.nodeState(n2) == pristine, "nothing configured on a refused node")
            #expect(try await client.get("/v1/nodes/\(n2.name)").status == 404)
        }
    }
}
