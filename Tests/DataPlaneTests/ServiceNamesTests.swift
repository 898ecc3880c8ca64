import BerthClient
import BerthCore
import BerthLab
import BerthTesting
import Foundation
import Testing

/// Names inside containers: a linux-driver container resolves a service by its full name and by
/// its short name (resolv.conf's `search service.berth`) through its node's forwarder on the
/// gateway, which asks the server's DNS, and fetches a page through the service's VIP. The
/// container does the lookups itself, in its own mount and network namespaces, so what is
/// proven is the resolv.conf the agent gave it, not the test machine's. Names outside the zone
/// go to the node's own resolver.
@Suite(.heavy, .requiresRoot, .requires("ip", "nft", "bridge", "busybox", "timeout", "python3"))
struct ServiceNamesTests {
    @Test func aContainerFetchesAServiceByItsFullAndShortName() async throws {
        try await LabCluster.with(nodes: 2) { cluster in
            let (n1, n2) = (cluster.lab.nodes[0], cluster.lab.nodes[1])
            try await cluster.service("web", ServiceSpec(
                replicas: 2,
                template: ContainerTemplate(image: "host", command: LabWeb.command(), resources: Resources(cpu: 100, memory: 64)),
                ports: [ServicePort(name: "http", port: 80, targetPort: LabWeb.port)]
            ))
            var replicas: [Container] = []
            try await eventually("web has 2 running replicas") {
                replicas = try await cluster.runningContainers(service: "web")
                return replicas.count == 2
            }
            try await cluster.waitUntilServing(replicas)
            let vip = try #require(try await cluster.client.service("web").value.vip)
            // The VIP is programmed on the client's node before the client starts, so a failed
            // fetch below can only be the name.
            try await eventually("web's VIP answers on \(n2.name)") {
                await cluster.http(from: n2.namespace, vip, port: 80) != nil
            }

            // The client retries each name a bounded number of times (the forwarder binds on
            // the gateway once the bridge exists), then prints what it got and exits.
            let fetch = { (url: String, label: String) in
                """
                i=0; while [ $i -lt 50 ]; do
                  body=$(\(LabWeb.busybox) wget -q -O - \(url)) && break
                  i=$((i+1)); \(LabWeb.busybox) sleep 0.2
                done
                echo "\(label)=$body"
                """
            }
            let script = ["cat /etc/resolv.conf", fetch("http://web.service.berth/", "fqdn"), fetch("http://web/", "short")].joined(separator: "\n")
            let client = try await cluster.run(on: n1, command: ["/bin/sh", "-c", script])
            _ = try await cluster.state(client.id, .exited, timeout: .seconds(60))
            let log = try String(contentsOfFile: "\(cluster.stateDirectory)/\(n1.name)/logs/\(client.id).log", encoding: .utf8)
            let lines = log.split(separator: "\n").map(String.init)
            // The service's replicas now (the VIP's targets), with what the test waited for.
            let web = try await cluster.runningContainers(service: "web")
            let ids = Set(web.map(\.id))
            if ids != Set(replicas.map(\.id)) { print("web's replicas changed: \(replicas.map(\.id)) → \(web.map(\.id))") }

            #expect(lines.contains("search service.berth"), "resolv.conf: \(log)")
            #expect(lines.contains { $0.hasPrefix("nameserver 198.19.") }, "the gateway is the nameserver: \(log)")
            let fqdn = lines.first { $0.hasPrefix("fqdn=") }.map { String($0.dropFirst(5)) }
            let short = lines.first { $0.hasPrefix("short=") }.map { String($0.dropFirst(6)) }
            #expect(fqdn.map(ids.contains) == true, "web.service.berth reached a web replica: \(log)")
            #expect(short.map(ids.contains) == true, "web reached a web replica: \(log)")
        }
    }

    /// A name outside the Berth zone goes to the node's own resolver (here the lab's "internet"
    /// DNS on 203.0.113.1, named in the node's resolv.conf), and the container reaches what it
    /// names through the node's masquerade.
    @Test func aNameOutsideTheZoneGoesToTheNodesResolver() async throws {
        try await LabCluster.with(nodes: 1, agents: false) { cluster in
            let n1 = cluster.lab.nodes[0]
            try await cluster.serveOutside(port: 9000)
            try await cluster.serveOutsideDNS(name: "www.outside.example", address: NetworkLab.outsideServer)
            // The agent reads the node's resolvers when it starts.
            try cluster.lab.setResolver(of: n1, nameserver: NetworkLab.outsideServer)
            try cluster.startAgent(n1)
            try await cluster.waitUntilReady([n1])
            try await cluster.waitUntilNetworked([n1])

            let script = """
                i=0; while [ $i -lt 50 ]; do
                  body=$(\(LabWeb.busybox) wget -q -O - http://www.outside.example:9000/) && break
                  i=$((i+1)); \(LabWeb.busybox) sleep 0.2
                done
                echo "outside=$body"
                \(LabWeb.busybox) wget -q -O - http://nowhere.outside.example:9000/ || echo "nowhere=unresolved"
                """
            let client = try await cluster.run(on: n1, command: ["/bin/sh", "-c", script])
            _ = try await cluster.state(client.id, .exited, timeout: .seconds(60))
            let log = try String(contentsOfFile: "\(cluster.stateDirectory)/\(n1.name)/logs/\(client.id).log", encoding: .utf8)
            let lines = log.split(separator: "\n").map(String.init)
            #expect(lines.contains("outside=outside"), "www.outside.example resolved by the node's resolver and fetched: \(log)")
            #expect(lines.contains("nowhere=unresolved"), "an unknown outside name is not answered: \(log)")
        }
    }
}
