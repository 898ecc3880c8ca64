import Glibc

/// Finds berth-init and spawns it for one container. The spawned process forks berth-init's
/// monitor and exits at once, so the caller reaps it right away and the monitor belongs to
/// no agent process (it survives the agent, and never becomes the agent's zombie).
struct InitLauncher: Sendable {
    let executable: String

    /// berth-init beside the running executable (`berth` and `berth-init` ship together; in
    /// tests the test bundle sits beside it in the build directory).
    static func besideExecutable() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        let executable = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = executable.lastIndex(of: "/") else { return nil }
        return executable[..<slash] + "/berth-init"
    }

    /// berth-init's command line for `spec` (see berth-init's InitArguments for the format);
    /// the environment goes in the state directory's `env` file.
    static func arguments(for spec: LinuxContainerSpec, state: ContainerStateDirectory, cgroups: [String]) -> [String] {
        var arguments = ["--state-dir", state.path, "--log", spec.logPath]
        for cgroup in cgroups { arguments += ["--cgroup", cgroup] }
        if let netns = spec.networkNamespace { arguments += ["--netns", netns] }
        arguments += ["--hostname", spec.hostname]
        if let rootfs = spec.rootfs { arguments += ["--rootfs", rootfs] }
        if let resolv = spec.resolvConf { arguments += ["--resolv-conf", resolv] }
        if let directory = spec.workingDirectory { arguments += ["--cwd", directory] }
        arguments += ["--env-file", state.environmentFile]
        arguments += securityArguments(for: spec, runtimeState: String(state.path[..<(state.path.lastIndex(of: "/") ?? state.path.endIndex)]))
        return arguments + ["--"] + spec.command
    }

    /// posix_spawn with stdin from /dev/null and stdout/stderr appended to the container's log
    /// (so even a berth-init that cannot parse its arguments explains itself there), in a
    /// process group of its own with default signal handling.
    func spawn(_ arguments: [String], log: String) throws(LinuxRuntimeError) -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o640)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard status == 0 else { throw .spawnFailed("\(executable): \(String(cString: strerror(status)))") }
        return pid
    }

    /// Reaps the spawned process once it has exited; returns its exit code then.
    static func reap(_ pid: pid_t, block: Bool) -> Int32? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, block ? 0 : WNOHANG)
            if result < 0, errno == EINTR { continue }
            guard result == pid else { return result < 0 ? -1 : nil }
            return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        }
    }
}
