import BerthClient
import BerthCore
import BerthHarness
import Foundation

/// A whole Berth cluster in a `NetworkLab`: the built `berth serve` on 127.0.0.1 (no auth,
/// cluster network 198.19.0.0/17, services 198.19.128.0/20, the backend under test) and one
/// `berth agent --driver linux --netns <node>` per lab node, each node named after its
/// namespace so that everything the agents make carries the lab's prefix.
///
/// The data-plane tests (through their `with`, which expects nothing left) and
/// `berth-bench dataplane` both drive it. `shutdown()` stops the agents and the server, then
/// the lab's teardown kills what the containers left and removes their cgroups.
public final class LabCluster: @unchecked Sendable {
    public static let clusterCIDR = "198.19.0.0/17"
    public static let serviceCIDR = "198.19.128.0/20"

    public let lab: NetworkLab
    public let folder: TemporaryFolder
    public let server: ServerProcess
    public let backend: String
    /// The `berth` binary (berth-init is found beside it).
    public let berth: String
    /// Added to every agent's command line, restarted ones included (a short
    /// `--service-verify-interval`, say).
    public let agentArguments: [String]
    private let lock = NSLock()
    private var agentProcesses: [String: ChildProcess] = [:]
    private var agentStarts = 0

    public var client: BerthClient { server.client }
    /// Every agent's `--state-dir` (each node has its own folder inside).
    public var stateDirectory: String { folder.file("agents") }

    private init(lab: NetworkLab, folder: TemporaryFolder, server: ServerProcess, backend: String, berth: String, agentArguments: [String]) {
        self.lab = lab
        self.folder = folder
        self.server = server
        self.backend = backend
        self.berth = berth
        self.agentArguments = agentArguments
    }

    /// Makes the lab, starts the server and (with `agents`) an agent per node, and waits until
    /// every node is ready. On a failure everything made so far is removed again. The server
    /// runs on `database` when given (a benchmark's large cluster built beforehand), else on an
    /// empty one; `agentArguments` go to every agent this cluster starts, restarts included.
    public static func start(
        nodes: Int, backend: String = "vxlan", agents: Bool = true, berth: String = BerthBinary.path, serverArguments: [String] = [],
        agentArguments: [String] = [], database: String? = nil
    ) async throws -> LabCluster {
        let lab = try NetworkLab(nodes: nodes)
        let folder: TemporaryFolder
        let server: ServerProcess
        do {
            folder = try TemporaryFolder(prefix: "berth-dataplane-\(lab.prefix)")
            server = try await ServerProcess.start(berth: berth, database: database ?? folder.file("berth.db"), arguments: [
                "--listen", "127.0.0.1:0", "--auth", "none", "--log-level", "warning", "--node-timeout", "10s",
                "--cluster-cidr", clusterCIDR, "--service-cidr", serviceCIDR, "--network-backend", backend,
            ] + serverArguments)
        } catch {
            lab.teardown()
            throw error
        }
        let cluster = LabCluster(lab: lab, folder: folder, server: server, backend: backend, berth: berth, agentArguments: agentArguments)
        if agents {
            do {
                for node in lab.nodes { try cluster.startAgent(node) }
                try await cluster.waitUntilReady(lab.nodes)
                try await cluster.waitUntilNetworked(lab.nodes)
            } catch {
                _ = await cluster.shutdown()
                throw error
            }
        }
        return cluster
    }

    // MARK: Agents

    /// Starts `berth agent --driver linux` for `node` (its log in the cluster's folder). Its
    /// containers' names go to this server's DNS (the port the server printed), unless `extra`
    /// says otherwise.
    @discardableResult
    public func startAgent(_ node: NetworkLab.Node, address: String? = nil, extra: [String] = []) throws -> ChildProcess {
        let count = lock.withLock { agentStarts += 1; return agentStarts }
        let dns = (agentArguments + extra).contains("--dns-server") ? [] : ["--dns-server", server.dnsPort.map { "127.0.0.1:\($0)" } ?? "off"]
        let agent = try ChildProcess(berth, [
            "agent", "--server", server.url.absoluteString, "--node", node.name, "--driver", "linux", "--netns", node.namespace,
            "--address", address ?? "\(node.address)", "--state-dir", stateDirectory, "--cpu", "8000", "--memory", "8192",
            "--heartbeat-interval", "1s", "--stop-grace", "2s",
        ] + dns + agentArguments + extra, log: URL(fileURLWithPath: folder.file("agent-\(node.name)-\(count).log")), environment: BerthBinary.environment(token: nil))
        lock.withLock { agentProcesses[node.name] = agent }
        return agent
    }

    /// The agent process last started for `node`.
    public func agent(_ node: NetworkLab.Node) -> ChildProcess? { lock.withLock { agentProcesses[node.name] } }

    /// Everything the node's agents logged so far, oldest first.
    public func agentLog(_ node: NetworkLab.Node) -> String {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasPrefix("agent-\(node.name)-") }.sorted { number($0) < number($1) }
        return files.map { (try? String(contentsOfFile: folder.file($0), encoding: .utf8)) ?? "" }.joined()
    }

    private func number(_ file: String) -> Int { Int(file.split(separator: "-").last?.split(separator: ".").first ?? "") ?? 0 }

    /// Waits until every node in `nodes` is `ready` on the server.
    public func waitUntilReady(_ nodes: [NetworkLab.Node], timeout: Duration = .seconds(30)) async throws {
        try await eventually("nodes \(nodes.map(\.name)) are ready", timeout: timeout) {
            let ready = Set(try await client.list(Node.self, "/v1/nodes?limit=5000").value.items.filter { $0.status == .ready }.map(\.name))
            return nodes.allSatisfy { ready.contains($0.name) }
        }
    }

    /// Waits until each node's agent has made its bridge (`berth0` in the node namespace): the
    /// node registers before its agent sets up the node network.
    public func waitUntilNetworked(_ nodes: [NetworkLab.Node], timeout: Duration = .seconds(30)) async throws {
        try await eventually("berth0 exists on \(nodes.map(\.name))", timeout: timeout) {
            nodes.allSatisfy { node in (try? lab.runner.run(["ip", "-n", node.namespace, "link", "show", "berth0"]))?.status == 0 }
        }
    }

    // MARK: Teardown

    /// Stops agents and server, tears the lab down and removes the folder; returns what is
    /// left (see `NetworkLab.leftovers`).
    public func shutdown() async -> [String] {
        let agents = lock.withLock { Array(agentProcesses.values) }
        await withTaskGroup(of: Void.self) { group in
            for agent in agents { group.addTask { await agent.stop(grace: .seconds(5)) } }
        }
        await server.stop()
        let left = lab.teardown()
        folder.remove()
        return left
    }

    /// The tail of the server's and every agent's log, for a failure's report.
    public func logTails() -> String {
        var text = "server log:\n\(server.log.suffix(3000))\n"
        for node in lab.nodes { text += "agent \(node.name):\n\(agentLog(node).suffix(4000))\n" }
        return text
    }
}
