import Glibc

/// berth-init: starts one container and watches it, outliving the agent that spawned it.
///
/// Three processes, like runc + conmon:
/// 1. the spawned process forks the monitor and exits at once, so the agent reaps it within a
///    millisecond and the monitor is nobody's child to wait for (no zombies in the agent);
/// 2. the monitor (`Monitor`) starts a session of its own, stays in the host's namespaces and
///    outside the container's cgroups (an OOM kill or a cgroup kill must not take it), and
///    records `pid` and `exit` in the state directory;
/// 3. the container's init (`ContainerInit`), pid 1 of a new pid namespace, joins the
///    cgroups, sets up the namespaces and mounts, runs the command as pid 2, forwards
///    signals, reaps orphans and exits with the command's status.
@main
enum BerthInit {
    static func main() {
        Linux.closeDescriptors(from: 3)
        for fd in Int32(0)...2 where fcntl(fd, F_GETFD) < 0 {
            // A closed stdin/stdout/stderr would be reused by the log or a pipe, and the
            // command's dup2 onto 1 and 2 would then close them under the init.
            _ = open("/dev/null", O_RDWR)
        }
        let parsed = InitArguments.parse(Array(CommandLine.arguments.dropFirst()))
        guard let arguments = parsed.arguments else {
            let message = parsed.error ?? "bad arguments"
            FileIO.write(2, "berth-init: \(message)\n\(InitArguments.usage)\n")
            let state = parsed.partial.stateDirectory
            if state.hasPrefix("/"), FileIO.makeDirectories(state, mode: 0o700) {
                FileIO.writeAtomically(state + "/exit", SetupFailure(.internalError, message).record + "\n")
            }
            exit(SetupFailure.Code.internalError.rawValue)
        }
        guard FileIO.makeDirectories(arguments.stateDirectory, mode: 0o700) else {
            FileIO.write(2, "berth-init: cannot create state directory \(arguments.stateDirectory): \(FileIO.lastError)\n")
            exit(SetupFailure.Code.stateOrLog.rawValue)
        }
        let child = fork()
        if child < 0 {
            let failure = SetupFailure(.internalError, "cannot fork the monitor: \(FileIO.lastError)")
            FileIO.writeAtomically(arguments.stateDirectory + "/exit", failure.record + "\n")
            exit(failure.code.rawValue)
        }
        if child > 0 { _exit(0) }
        setsid()
        exit(Monitor(arguments: arguments).run())
    }
}
