import BerthProcess
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

    /// Starts berth-init with stdin from /dev/null and stdout/stderr appended to the container's
    /// log (so even a berth-init that cannot parse its arguments explains itself there), in a
    /// process group of its own with default signal handling and an empty environment.
    func spawn(_ arguments: [String], log: String) throws(LinuxRuntimeError) -> pid_t {
        let spec = ProcessSpec(
            executable, arguments, environment: .exactly([:]), ownProcessGroup: true,
            standardOutput: .file(log, .append, permissions: 0o640), standardError: .standardOutput
        )
        do { return try spec.start().pid } catch .cannotStart(_, let code) {
            throw .spawnFailed("\(executable): \(String(cString: strerror(code)))")
        } catch {
            throw .spawnFailed("\(error)")
        }
    }

    /// Reaps the spawned process once it has exited; returns its exit code then (-1 when it
    /// is not this process's child any more).
    static func reap(_ pid: pid_t, block: Bool) -> Int32? {
        Reaper.reap(pid, block: block)?.code
    }
}
