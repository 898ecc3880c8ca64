import BerthClient
import BerthCore
import BerthLab
import BerthTesting
import Foundation
import Testing

/// An agent SIGKILLed while it starts many containers, then started again: what is wanted
/// runs and answers, nothing runs twice (one init and one command per container, one network
/// namespace, one veth, one cgroup), and deleting the services afterwards removes every trace
/// of them from the node, published host ports included.
@Suite(.heavy, .requiresRoot, .requires("ip", "nft", "bridge", "busybox", "timeout"))
struct AgentCrashTests {
    /// Enough that starting them all takes longer than noticing the first few (the node's
    /// network calls run one at a time), so the kill lands mid-way even on a busy machine.
    static let replicas = 30

    /// `begun`: how many containers' runtime state directories exist when the agent is killed
    /// (early: none running yet; later: some running, some half-made).
    @Test(arguments: [2, 9])
    func anAgentKilledMidStartConvergesWithoutDuplicatesAndLeavesNothingBehind(begun: Int) async throws {
        try await LabCluster.with(nodes: 1) { cluster in
            let n1 = cluster.lab.nodes[0]
            let web = ContainerTemplate(image: "host", command: LabWeb.command(), resources: Resources(cpu: 50, memory: 16))
            var published = web
            published.ports = [ContainerPort(name: "http", containerPort: LabWeb.port, hostPort: 18090)]
            let runtime = "\(cluster.stateDirectory)/\(n1.name)/runtime"

            // Killed while it makes the containers, before all can be: a thread of its own
            // watches the agent's runtime directory and sends SIGKILL the moment `begun` exist
            // (the test's own tasks may wait for a core on a busy machine; this must not).
            let agent = try #require(cluster.agent(n1))
            let killer = KillWhen(pid: agent.pid, atLeast: begun) { ((try? FileManager.default.contentsOfDirectory(atPath: runtime)) ?? []).count }
            try await cluster.service("many", ServiceSpec(replicas: Self.replicas, template: web))
            try await cluster.service("pub", ServiceSpec(replicas: 1, template: published))
            try await eventually("the agent was killed mid-start") { killer.fired }
            await agent.crash()
            let runningAtKill = try await cluster.client.containers(state: "running").value.items.count
            print("agent killed with \(killer.seen) containers begun and \(runningAtKill) of \(Self.replicas + 1) reported running")
            #expect(runningAtKill < Self.replicas + 1, "the kill came mid-way (\(runningAtKill) running)")

            try cluster.startAgent(n1)
            try await eventually("all \(Self.replicas + 1) containers run again", timeout: .seconds(60)) {
                let many = try await cluster.runningContainers(service: "many").count
                let pub = try await cluster.runningContainers(service: "pub").count
                return many == Self.replicas && pub == 1
            }
            let running = try await cluster.runningContainers(service: "many") + (try await cluster.runningContainers(service: "pub"))
            try await cluster.waitUntilServing(running)

            // Exactly one of everything per running container, and nothing else on the node.
            try await eventually("the node holds exactly the running containers") {
                let ids = Set(running.map(\.id))
                return cluster.containerNamespaces(on: n1) == Set(running.map(cluster.namespace))
                    && cluster.cgroupIDs(on: n1) == ids
                    && cluster.veths(on: n1).count == ids.count
                    && Set((try? FileManager.default.contentsOfDirectory(atPath: runtime)) ?? []) == ids
            }
            for container in running {
                #expect(cluster.cgroupFile("cgroup.procs", of: container.id, on: n1)?.split(separator: "\n").count == 2,
                        "container \(container.id): its init and one httpd")
                #expect(cluster.berthInits(of: container.id, on: n1) == 2, "container \(container.id): one berth-init monitor and one init")
            }
            let pub = try #require(running.first { $0.service == "pub" })
            #expect(await cluster.http(from: cluster.lab.outsideNamespace, "\(n1.address)", port: 18090) == pub.id)
            #expect(cluster.hostPortElements(on: n1).contains("18090"))

            // Deleting the services removes every trace of their containers.
            _ = try await cluster.client.delete("services", "many")
            _ = try await cluster.client.delete("services", "pub")
            try await eventually("nothing of the services is left on \(n1.name)", timeout: .seconds(60)) {
                cluster.containerNamespaces(on: n1).isEmpty && cluster.cgroupIDs(on: n1).isEmpty && cluster.veths(on: n1).isEmpty
                    && cluster.hostPortElements(on: n1).isEmpty
                    && ((try? FileManager.default.contentsOfDirectory(atPath: runtime)) ?? []).isEmpty
                    && running.allSatisfy { cluster.berthInits(of: $0.id, on: n1) == 0 }
            }
            #expect(await cluster.http(from: cluster.lab.outsideNamespace, "\(n1.address)", port: 18090) == nil)
        }
    }

    @Test func theLabTeardownRemovesWhatAKilledAgentLeftRunning() async throws {
        let cluster = try await LabCluster.start(nodes: 1)
        let n1 = cluster.lab.nodes[0]
        do {
            let container = try await cluster.running(try await cluster.run(on: n1, command: [LabWeb.busybox, "sleep", "3600"]).id)
            await cluster.agent(n1)?.crash()
            // The container outlives its agent by design: the lab sees it as left behind.
            let before = cluster.lab.leftovers()
            #expect(before.contains { $0.hasPrefix("netns \(cluster.namespace(container))") })
            #expect(before.contains { $0.hasPrefix("cgroup ") && $0.hasSuffix("/\(n1.name)") })
            #expect(before.contains { $0.hasPrefix("process ") && $0.contains("berth-init") })
        } catch {
            _ = await cluster.shutdown()
            throw error
        }
        let left = await cluster.shutdown()
        #expect(left.isEmpty, "left behind: \(left)")
    }
}

/// SIGKILLs `pid` as soon as `count()` reaches `atLeast`, polled every 0.2 ms on a thread of
/// its own (bounded by `timeout` seconds).
final class KillWhen: @unchecked Sendable {
    private let lock = NSLock()
    private var counted: Int?

    init(pid: Int32, atLeast threshold: Int, timeout: Double = 60, _ count: @escaping @Sendable () -> Int) {
        let thread = Thread { [self] in
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                let now = count()
                if now >= threshold {
                    kill(pid, SIGKILL)
                    lock.withLock { counted = now }
                    return
                }
                usleep(200)
            }
        }
        thread.start()
    }

    var fired: Bool { lock.withLock { counted != nil } }
    /// What `count()` said when it fired.
    var seen: Int { lock.withLock { counted ?? 0 } }
}
