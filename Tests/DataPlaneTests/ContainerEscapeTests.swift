import BerthClient
import BerthCore
import BerthLab
import BerthTesting
import Foundation
import Glibc
import Testing

/// The attack suite, container half: a hostile container started by the real
/// `berth agent --driver linux` tries what took its node over before runc's and Docker's
/// defaults were the floor, and each attempt must fail with its specific refusal, beside the
/// allowed path that still works (the command runs, writes its /tmp and its own layer, binds
/// port 80 with NET_BIND_SERVICE), and the `securityContext` opt-outs that really opt out.
@Suite(.requiresRoot, .requires("ip", "nft", "bridge", "busybox", "timeout", "unshare"))
struct ContainerEscapeTests {
    /// Everything a root container with Docker's defaults must be refused, one `key=value`
    /// line each: the refusal text as the tool printed it.
    static func attacks(disk: (major: UInt32, minor: UInt32), token: String) -> String {
        let bb = LabWeb.busybox
        return """
            echo core_pattern=$(echo '|/tmp/pwn' 2>&1 > /proc/sys/kernel/core_pattern && echo WRITTEN)
            \(bb) mknod /tmp/disk b \(disk.major) \(disk.minor) && echo mknod=made
            echo read_disk=$(\(bb) head -c 512 /tmp/disk 2>&1 > /dev/null && echo READ)
            \(bb) mkdir -p /tmp/cg && echo mount_cgroupfs=$(\(bb) mount -t cgroup -o memory cgroup /tmp/cg 2>&1 && echo MOUNTED)
            echo cgroup_tree=[$(\(bb) ls /sys/fs/cgroup 2>&1)]
            \(bb) head -c 64 /dev/zero > /tmp/pwn.ko && echo load_module=$(\(bb) insmod /tmp/pwn.ko 2>&1 && echo LOADED)
            echo userns=$(unshare --user --map-root-user id -u 2>&1)
            echo token=[$(cat \(token) 2>&1)]
            echo netns=[$(\(bb) ls /run/netns 2>&1)]
            echo net_admin=$(ip link add pwn0 type veth peer name pwn1 2>&1 && echo ADDED)
            echo status=$(grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status | tr -d '\\t' | tr '\\n' ' ')
            echo tmp=$(echo mine > /tmp/mine && cat /tmp/mine)
            """
    }

    @Test func aHostileContainerOnTheHostImageFailsEveryEscapeAndStillServes() async throws {
        try await LabCluster.with(nodes: 1, agents: false) { cluster in
            let n1 = cluster.lab.nodes[0]
            // The agent reads its token from a file (the server runs without auth here, so any
            // text will do), an admin token beside it; not under /tmp, which every container
            // has a tmpfs of its own over (the agent's state directory is there, so it is out
            // of sight either way).
            let secrets = "/var/tmp/\(cluster.lab.prefix)-secrets"
            try FileManager.default.createDirectory(atPath: secrets, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: secrets) }
            let token = secrets + "/agent.token", admin = secrets + "/berth.db.admin-token"
            try "s3cret-agent-token\n".write(toFile: token, atomically: true, encoding: .utf8)
            try "s3cret-admin-token\n".write(toFile: admin, atomically: true, encoding: .utf8)
            try cluster.startAgent(n1, extra: ["--token-file", token])
            try await cluster.waitUntilReady([n1])
            try await cluster.waitUntilNetworked([n1])

            // The block device the node's root file system is on.
            var root = stat()
            stat("/", &root)
            let device = UInt64(root.st_dev)
            let disk = (major: UInt32((device >> 8) & 0xfff | (device >> 32) & ~0xfff), minor: UInt32(device & 0xff | (device >> 12) & ~0xff))
            let script = Self.attacks(disk: disk, token: token) + "\n"
                + "echo admin=[$(cat \(admin) 2>&1)]\n"
                + "echo agent_state=[$(\(LabWeb.busybox) ls \(cluster.stateDirectory) 2>&1)]\n"
            // It also serves on port 80 (< 1024: NET_BIND_SERVICE) once it has tried.
            let hostile = try await Self.run(cluster, on: n1, command: LabWeb.command(port: 80, before: script), ports: [ContainerPort(name: "http", containerPort: 80)])
            let running = try await cluster.running(hostile.id)
            let ip = try #require(running.ip)
            try await eventually("the hostile container serves on port 80", timeout: .seconds(20)) {
                await cluster.http(from: n1.namespace, ip, port: 80) == hostile.id
            }
            let seen = try Self.values(cluster, hostile.id, on: n1)

            #expect(seen["core_pattern"]?.contains("Read-only file system") == true, "\(seen["core_pattern"] ?? "")")
            #expect(seen["mknod"] == "made", "CAP_MKNOD makes a node, as under Docker…")
            #expect(seen["read_disk"]?.contains("Permission denied") == true || seen["read_disk"]?.contains("Operation not permitted") == true,
                    "…that cannot be opened: \(seen["read_disk"] ?? "")")
            #expect(seen["mount_cgroupfs"]?.contains("permission denied") == true, "\(seen["mount_cgroupfs"] ?? "")")
            #expect(seen["cgroup_tree"] == "[]", "the cgroup tree is out of sight")
            #expect(seen["load_module"]?.contains("Operation not permitted") == true, "\(seen["load_module"] ?? "")")
            #expect(seen["userns"]?.contains("Operation not permitted") == true, "seccomp refuses unshare(CLONE_NEWUSER): \(seen["userns"] ?? "")")
            #expect(seen["token"] == "[]", "the agent's --token-file reads as empty")
            #expect(seen["admin"] == "[]", "so does the server's admin token beside it")
            #expect(try String(contentsOfFile: token, encoding: .utf8) == "s3cret-agent-token\n", "the host's file is untouched")
            #expect(seen["agent_state"] == "[]" || seen["agent_state"]?.contains("No such file") == true, "the agent's state directory is hidden")
            #expect(seen["netns"] == "[]")
            #expect(seen["net_admin"]?.contains("Operation not permitted") == true, "no NET_ADMIN: \(seen["net_admin"] ?? "")")
            #expect(seen["status"] == "CapEff:00000000a80425fb NoNewPrivs:1 Seccomp:2", "\(seen["status"] ?? "")")
            #expect(seen["tmp"] == "mine")
            if let devices = cluster.cgroupFile("devices.list", of: hostile.id, on: n1) {
                #expect(!devices.contains("a *:* rwm") && devices.contains("c 1:3 rwm"), "v1 devices cgroup: \(devices)")
            }
        }
    }

    @Test func containersSharingADirImageCannotChangeItForEachOther() async throws {
        try await LabCluster.with(nodes: 1) { cluster in
            let n1 = cluster.lab.nodes[0]
            let rootfs = cluster.folder.file("rootfs")
            try BusyboxRootfs.build(at: rootfs, marker: cluster.lab.prefix)
            let image = "dir:\(rootfs)"
            let writer = try await Self.run(cluster, on: n1, command: ["/bin/sh", "-c", """
                echo planted > /planted && echo planted=$(cat /planted)
                echo trojan > /bin/busybox.trojan && echo bin=written
                rm /marker && echo marker=$(cat /marker 2>&1)
                """], image: image)
            _ = try await cluster.state(writer.id, .exited)
            let wrote = try Self.values(cluster, writer.id, on: n1)
            #expect(wrote["planted"] == "planted", "its own layer is writable")
            #expect(wrote["marker"]?.contains("No such file") == true)
            // The image is untouched, and the next container sees the image, not the writes.
            #expect(!FileManager.default.fileExists(atPath: rootfs + "/planted"))
            #expect(!FileManager.default.fileExists(atPath: rootfs + "/bin/busybox.trojan"))
            #expect(try String(contentsOfFile: rootfs + "/marker", encoding: .utf8).contains(cluster.lab.prefix))
            let reader = try await Self.run(cluster, on: n1, command: ["/bin/sh", "-c", "echo planted=$(cat /planted 2>&1); echo marker=$(cat /marker)"], image: image)
            _ = try await cluster.state(reader.id, .exited)
            let read = try Self.values(cluster, reader.id, on: n1)
            #expect(read["planted"]?.contains("No such file") == true, "\(read["planted"] ?? "")")
            #expect(read["marker"] == cluster.lab.prefix)

            // An image the driver does not run fails, saying which it runs.
            let pulled = try await Self.run(cluster, on: n1, command: ["true"], image: "nginx:1.27")
            let failed = try await cluster.state(pulled.id, .failed)
            #expect(failed.reason?.contains("runs only dir:/PATH") == true && failed.reason?.contains("or host") == true, "\(failed.reason ?? "")")
        }
    }

    @Test func securityContextOptOutsReallyOptOut() async throws {
        try await LabCluster.with(nodes: 1) { cluster in
            let n1 = cluster.lab.nodes[0]
            let script = """
                echo net_admin=$(ip link add pwn0 type veth peer name pwn1 2>&1 && echo ADDED)
                echo userns=$(unshare --user --map-root-user id -u 2>&1)
                echo user=$(id -u):$(id -g)
                echo caps=$(grep '^CapEff:' /proc/self/status | cut -f2)
                """
            let opted = try await Self.run(cluster, on: n1, command: ["/bin/sh", "-c", script],
                                           securityContext: SecurityContext(capAdd: ["NET_ADMIN"], seccomp: .unconfined))
            _ = try await cluster.state(opted.id, .exited)
            let seen = try Self.values(cluster, opted.id, on: n1)
            #expect(seen["net_admin"] == "ADDED", "capAdd NET_ADMIN: \(seen["net_admin"] ?? "")")
            #expect(seen["userns"] == "0", "seccomp unconfined: \(seen["userns"] ?? "")")

            let user = try await Self.run(cluster, on: n1, command: ["/bin/sh", "-c", script],
                                          securityContext: SecurityContext(capDrop: ["ALL"], runAsUser: 1000, runAsGroup: 1000))
            _ = try await cluster.state(user.id, .exited)
            let asUser = try Self.values(cluster, user.id, on: n1)
            #expect(asUser["user"] == "1000:1000")
            #expect(asUser["caps"] == "0000000000000000")
            #expect(asUser["net_admin"]?.contains("Operation not permitted") == true, "\(asUser["net_admin"] ?? "")")

            // A capability Linux does not have is a 400 naming the field.
            let spec = ContainerSpec(template: ContainerTemplate(image: "host", command: ["true"], securityContext: SecurityContext(capAdd: ["SYS_GOD"])))
            let reply = try await cluster.client.put("/v1/containers", json: spec, method: "POST")
            #expect(reply.status == 400)
            #expect(String(decoding: reply.body, as: UTF8.self).contains("securityContext.capAdd[0]"))
        }
    }

    /// POST /v1/containers pinned to `node`, with a security context.
    static func run(
        _ cluster: LabCluster, on node: NetworkLab.Node, command: [String], image: String = "host", ports: [ContainerPort] = [],
        securityContext: SecurityContext? = nil
    ) async throws -> Container {
        let spec = ContainerSpec(
            template: ContainerTemplate(
                image: image, command: command, resources: Resources(cpu: 100, memory: 64), ports: ports, restartPolicy: .never,
                securityContext: securityContext),
            constraints: [try Constraint.parse("node.name==\(node.name)")]
        )
        return try cluster.client.checked(try await cluster.client.put("/v1/containers", json: spec, method: "POST")).decode(Container.self)
    }

    /// The `key=value` lines the container printed into its log.
    static func values(_ cluster: LabCluster, _ id: String, on node: NetworkLab.Node) throws -> [String: String] {
        let log = try String(contentsOfFile: "\(cluster.stateDirectory)/\(node.name)/logs/\(id).log", encoding: .utf8)
        var values: [String: String] = [:]
        for line in log.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return values
    }
}
