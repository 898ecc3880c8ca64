import Testing

@testable import BerthRuntime

/// The pure parts: spec validation, image references, berth-init's argv, exit records.
struct SpecAndRecordTests {
    static let valid = LinuxContainerSpec(
        id: "web-1", hostname: "web-1", command: ["nginx", "-g", "daemon off;"], environment: ["PORT": "8080"],
        rootfs: "/images/nginx", resolvConf: "/run/berth/resolv.conf", networkNamespace: "/run/netns/web-1",
        logPath: "/var/log/berth/web-1.log", limits: ContainerLimits(memoryMiB: 128, cpuMillicores: 500, pidsMax: 64))

    /// One broken field per row, and the start of the message that must name it.
    @Test(arguments: [
        ("id", "id must be"), ("emptyID", "id must be"), ("hostname", "hostname must be"), ("command", "command must name"),
        ("environment", "environment key"), ("rootfs", "rootfs must be an absolute path"),
        ("logPath", "logPath must be an absolute path"), ("memory", "limits.memoryMiB"), ("cpu", "limits.cpuMillicores"),
        ("pids", "limits.pidsMax"),
    ])
    func validationNamesTheFieldAndTheRule(field: String, message: String) {
        var spec = Self.valid
        switch field {
        case "id": spec.id = "../etc"
        case "emptyID": spec.id = ""
        case "hostname": spec.hostname = "a b"
        case "command": spec.command = []
        case "environment": spec.environment = ["A=B": "c"]
        case "rootfs": spec.rootfs = "images/x"
        case "logPath": spec.logPath = "x.log"
        case "memory": spec.limits.memoryMiB = 0
        case "cpu": spec.limits.cpuMillicores = 5
        default: spec.limits.pidsMax = 1
        }
        #expect {
            try spec.validate()
        } throws: { error in
            guard case LinuxRuntimeError.invalidSpec(let text) = error else { return false }
            return text.hasPrefix(message)
        }
    }

    @Test func aValidSpecPasses() throws {
        try Self.valid.validate()
    }

    @Test(arguments: [("dir:/srv/rootfs", "/srv/rootfs"), ("dir:relative", nil), ("nginx:1.27", nil), ("/srv/rootfs", nil)] as [(String, String?)])
    func imageReferences(image: String, rootfs: String?) {
        #expect(LinuxContainerSpec.rootfs(fromImage: image) == rootfs)
    }

    @Test func berthInitArguments() {
        let state = ContainerStateDirectory(path: "/var/lib/berth/runtime/web-1")
        let arguments = InitLauncher.arguments(for: Self.valid, state: state, cgroups: ["/cg/memory/berth/n/web-1", "/cg/pids/berth/n/web-1"])
        #expect(arguments == [
            "--state-dir", "/var/lib/berth/runtime/web-1", "--log", "/var/log/berth/web-1.log",
            "--cgroup", "/cg/memory/berth/n/web-1", "--cgroup", "/cg/pids/berth/n/web-1",
            "--netns", "/run/netns/web-1", "--hostname", "web-1", "--rootfs", "/images/nginx",
            "--resolv-conf", "/run/berth/resolv.conf", "--env-file", "/var/lib/berth/runtime/web-1/env",
            "--", "nginx", "-g", "daemon off;",
        ])
    }

    @Test(arguments: [
        ("exited 0\noom_kill 0\n", LinuxContainerExit(code: 0)),
        ("exited 3\n", LinuxContainerExit(code: 3)),
        ("signaled 15\noom_kill 0\n", LinuxContainerExit(code: 143, signal: 15, reason: "killed by signal 15")),
        ("signaled 9\noom_kill 1\n", LinuxContainerExit(code: 137, signal: 9, oomKilled: true, reason: "OOM killed (memory limit 32 MiB)")),
        ("exited 0\noom_kill 2\n", LinuxContainerExit(code: 0, oomKilled: true, reason: "OOM killed (memory limit 32 MiB)")),
        ("error 124 rootfs /x does not exist\n", LinuxContainerExit(code: 124, setupFailed: true, reason: "error: rootfs /x does not exist")),
    ])
    func exitRecords(text: String, exit: LinuxContainerExit) throws {
        let record = try #require(ExitRecord(text: text))
        #expect(record.exit(memoryLimitMiB: 32) == exit)
    }

    @Test(arguments: ["", "finished 0", "exited x", "exited"])
    func malformedExitRecords(text: String) {
        #expect(ExitRecord(text: text) == nil)
    }
}
