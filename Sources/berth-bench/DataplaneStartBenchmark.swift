import BerthClient
import BerthCore
import BerthHarness
import BerthLab
import Foundation

/// Container start with the linux driver on one lab node: from the scheduler's placement (the
/// container's `scheduled` event) to `running` (the agent's report, after its namespace, veth,
/// address, cgroups and berth-init with every protection: overlay layer, fresh /dev, masked
/// /proc, capabilities, seccomp), one `dir:` container of a busybox rootfs at a time, `starts`
/// times; beside it, in the same run and the same node namespace, the floor: a shell script
/// doing the bare steps by hand on the same rootfs, no Berth and no hardening (cgroups and
/// limits, `ip netns add`, the veth onto berth0 and the address in two `ip -batch`,
/// `nsenter --net unshare --pid --fork --mount --uts --ipc`, joining the cgroups, hostname,
/// /proc and a tmpfs /tmp mounted in the rootfs, `chroot` and exec).
enum DataplaneStartBenchmark {
    struct Result {
        /// Milliseconds, one per start.
        var berth: [Double]
        var floor: [Double]
    }

    static let resources = Resources(cpu: 50, memory: 32)

    static func run(_ context: BenchContext, starts: Int) async throws -> Result {
        let cluster = try await LabCluster.start(nodes: 1, backend: "host-gw", berth: context.berth)
        do {
            let result = try await measure(cluster, starts: starts)
            try await finish(cluster)
            return result
        } catch {
            say(cluster.logTails())
            _ = await cluster.shutdown()
            throw error
        }
    }

    private static func measure(_ cluster: LabCluster, starts: Int) async throws -> Result {
        let node = cluster.lab.nodes[0]
        let subnet = try await cluster.subnet(of: node)
        let rootfs = try makeRootfs(cluster.folder.file("rootfs"))
        say("  shell floor: \(starts) starts by hand in \(node.namespace)…")
        let floor = try shellFloor(cluster, node: node, subnet: subnet, rootfs: rootfs, count: starts)
        say("  berth: \(starts) containers, one at a time (scheduled → running)…")
        let watcher = ContainerStateWatcher(client: cluster.client)
        let after = try await cluster.server.index()
        let berth = try await withThrowingTaskGroup(of: [Double]?.self) { group in
            group.addTask { await watcher.run(after: after); return nil }
            group.addTask {
                var latencies: [Double] = []
                for _ in 0..<starts {
                    let container = try await cluster.run(on: node, command: ["/bin/busybox", "sleep", "3600"], image: "dir:\(rootfs)", resources: resources)
                    let running = try await watcher.wait(container.id, "running")
                    guard let scheduled = watcher.time(container.id, "scheduled") else {
                        throw BenchError("container \(container.id) ran without a scheduled event")
                    }
                    latencies.append(milliseconds(running - scheduled))
                }
                return latencies
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let latencies = next { return latencies }
            }
            return []
        }
        return Result(berth: berth, floor: floor)
    }

    /// Deletes the containers and waits until the agent has removed them, then shuts down.
    private static func finish(_ cluster: LabCluster) async throws {
        for container in try await cluster.client.containers().value.items {
            _ = try? await cluster.client.delete("containers", container.id)
        }
        let node = cluster.lab.nodes[0]
        try await eventually("the agent removed every container", timeout: .seconds(120)) {
            cluster.containerNamespaces(on: node).isEmpty && cluster.cgroupIDs(on: node).isEmpty
        }
        let left = await cluster.shutdown()
        if !left.isEmpty { throw BenchError("the lab left behind: \(left)") }
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    /// The steps by hand in bash, timed with $EPOCHREALTIME; each run signals it is about to
    /// exec through a fifo (a blocking read: no spinning on the shared cores). Everything is
    /// named with the lab's prefix and removed at the end.
    static func shellFloor(_ cluster: LabCluster, node: NetworkLab.Node, subnet: String, rootfs: String, count: Int) throws -> [Double] {
        guard let cidr = CIDR(subnet), count <= 100 else { throw BenchError("the floor needs a /24 node subnet and at most 100 starts") }
        let gateway = IPv4Address(cidr.network.value + 1)
        let base = "\(cidr.network)".split(separator: ".").prefix(3).joined(separator: ".") + "."
        let prefix = cluster.lab.prefix
        let scope = "\(prefix)-floor"
        let roots = cgroupHierarchies().map { "\($0)/berth/\(scope)" }.joined(separator: " ")
        let bytes = resources.memory * 1024 * 1024
        let quota = resources.cpu * 100
        // Not under /tmp, which each floor container mounts over.
        let fifos = "/run/\(prefix)-floor"
        try FileManager.default.createDirectory(atPath: fifos, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: fifos) }
        let script = """
            set -e
            roots="\(roots)"
            mtu=$(ip -n \(node.namespace) -o link show berth0 | sed -n 's/.* mtu \\([0-9]*\\).*/\\1/p')
            for i in $(seq \(count)); do
              t0=${EPOCHREALTIME/./}
              for r in $roots; do mkdir -p $r/f$i; done
              for r in $roots; do
                [ -e $r/f$i/memory.limit_in_bytes ] && echo \(bytes) > $r/f$i/memory.limit_in_bytes
                [ -e $r/f$i/memory.memsw.limit_in_bytes ] && echo \(bytes) > $r/f$i/memory.memsw.limit_in_bytes
                [ -e $r/f$i/memory.max ] && echo \(bytes) > $r/f$i/memory.max
                [ -e $r/f$i/cpu.cfs_quota_us ] && { echo 100000 > $r/f$i/cpu.cfs_period_us; echo \(quota) > $r/f$i/cpu.cfs_quota_us; }
                [ -e $r/f$i/cpu.max ] && echo "\(quota) 100000" > $r/f$i/cpu.max
                [ -e $r/f$i/pids.max ] && echo 4096 > $r/f$i/pids.max
              done
              ns=\(prefix)-fl$i
              ip netns add $ns
              printf 'link add vf%s mtu %s type veth peer name eth0 netns %s\\nlink set vf%s master berth0 up\\n' $i $mtu $ns $i | ip -n \(node.namespace) -batch -
              printf 'link set lo up\\naddr add %s%s/24 dev eth0\\nlink set eth0 up\\nroute add default via \(gateway)\\n' \(base) $((149 + i)) | ip -n $ns -batch -
              mkfifo \(fifos)/f$i
              setsid nsenter --net=/run/netns/$ns unshare --pid --fork --mount --uts --ipc \\
                sh -c "for r in $roots; do echo 0 > \\$r/f$i/cgroup.procs; done; hostname f$i; mount --make-rprivate /; mount -t proc proc \(rootfs)/proc; mount -t tmpfs tmpfs \(rootfs)/tmp; echo > \(fifos)/f$i; exec chroot \(rootfs) /bin/busybox sleep 3600" \\
                </dev/null >/dev/null 2>&1 &
              read _ < \(fifos)/f$i
              t1=${EPOCHREALTIME/./}
              echo $((t1 - t0))
            done
            for i in $(seq \(count)); do
              for r in $roots; do for p in $(cat $r/f$i/cgroup.procs); do kill -9 $p 2>/dev/null || true; done; done
            done
            for i in $(seq \(count)); do
              for r in $roots; do
                n=0; while ! rmdir $r/f$i 2>/dev/null; do n=$((n + 1)); [ $n -gt 1000 ] && break; sleep 0.01; done
              done
              ip netns del \(prefix)-fl$i
            done
            for r in $roots; do rmdir $r 2>/dev/null || true; done
            """
        let output = try cluster.lab.runner.check(["bash", "-c", script])
        return String(decoding: output.stdout, as: UTF8.self).split(separator: "\n").compactMap { Double($0) }.map { $0 / 1000 }
    }

    /// A busybox-static rootfs (what `dir:` containers of both sides run): /bin/busybox, and
    /// the /proc and /tmp the floor mounts over.
    static func makeRootfs(_ root: String) throws -> String {
        guard let busybox = Tools.find("busybox") else { throw BenchError("needs busybox (Debian: busybox-static)") }
        for directory in ["bin", "proc", "tmp"] {
            try FileManager.default.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: busybox, toPath: root + "/bin/busybox")
        return root
    }

    /// The mount points of the v1 hierarchies holding memory, cpu or pids (from
    /// /proc/self/mountinfo), or the v2 root.
    static func cgroupHierarchies() -> [String] {
        let mountinfo = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        var found: [String] = []
        for line in mountinfo.split(separator: "\n") {
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2 else { continue }
            let fields = halves[0].split(separator: " "), tail = halves[1].split(separator: " ")
            guard fields.count >= 5, tail.count >= 3 else { continue }
            if tail[0] == "cgroup2", fields[4] == "/sys/fs/cgroup" { return ["/sys/fs/cgroup"] }
            let options = tail[2].split(separator: ",")
            if tail[0] == "cgroup", options.contains(where: { ["memory", "cpu", "pids"].contains($0) }) { found.append(String(fields[4])) }
        }
        return found
    }
}
