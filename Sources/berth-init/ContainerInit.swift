import Glibc

/// Pid 1 of the container's pid namespace: joins the cgroups before anything else (so every
/// process the container ever has is limited), enters the network namespace, makes its own
/// mount, UTS, IPC and cgroup namespaces (the cgroup one after joining, so the container's
/// cgroup is its root and the host's tree stays out of sight), lays out the filesystem, runs
/// the command as pid 2 with its user, capabilities, no_new_privs and seccomp filter, and then
/// acts as a minimal init (like tini): forwards signals to the command, reaps every zombie,
/// and exits with the command's status when the command exits (the kernel then kills what
/// is left in the namespace).
///
/// It talks to the monitor over a pipe: `ready` once the command has been exec'd, or
/// `error CODE MESSAGE`; at the end `exited CODE` or `signaled SIGNAL`.
struct ContainerInit {
    let arguments: InitArguments
    let log: Int32
    let networkNamespace: Int32
    let report: Int32

    func run() -> Never {
        do throws(SetupFailure) {
            try joinCgroups()
            let inheritedOOMScore = protectFromOOMKiller()
            try enterNamespaces()
            let security = try ProcessSecurity(arguments: arguments)
            try ContainerMounts(arguments: arguments).apply()
            let command = try CommandLauncher(arguments: arguments, log: log, security: security, oomScore: inheritedOOMScore).launch()
            FileIO.write(report, "ready\n")
            supervise(command)
        } catch {
            FileIO.write(report, error.record + "\n")
            _exit(error.code.rawValue)
        }
    }

    /// Writes "0" (the writing process) to each cgroup's `cgroup.procs`.
    private func joinCgroups() throws(SetupFailure) {
        for cgroup in arguments.cgroups {
            if let error = FileIO.writeExisting(cgroup + "/cgroup.procs", "0") {
                throw SetupFailure(.cgroup, "cannot join cgroup \(cgroup): \(String(cString: strerror(error)))")
            }
        }
    }

    /// Makes the init the OOM killer's last choice, so that a container over its memory limit
    /// loses the process that grew rather than its init (whose death would take the
    /// command's exit status with it). Returns the score the command should get back.
    private func protectFromOOMKiller() -> String {
        let path = "/proc/self/oom_score_adj"
        let inherited = FileIO.read(path).map { String($0.filter { $0 != "\n" }) } ?? "0"
        _ = FileIO.writeExisting(path, "-999")
        return inherited
    }

    private func enterNamespaces() throws(SetupFailure) {
        if networkNamespace >= 0 {
            guard Linux.setns(networkNamespace, Linux.newNetwork) == 0 else {
                throw SetupFailure(.networkNamespace, "cannot join network namespace \(arguments.networkNamespace ?? ""): \(FileIO.lastError)")
            }
            close(networkNamespace)
        }
        guard Linux.unshare(Linux.newNamespace | Linux.newUTS | Linux.newIPC | Linux.newCgroup) == 0 else {
            throw SetupFailure(.namespaces, "cannot make mount, UTS, IPC and cgroup namespaces: \(FileIO.lastError)")
        }
        if let hostname = arguments.hostname, sethostname(hostname, hostname.utf8.count) != 0 {
            throw SetupFailure(.namespaces, "cannot set hostname \(hostname): \(FileIO.lastError)")
        }
    }

    /// Forwards signals and reaps until the command exits, then exits with its status.
    private func supervise(_ command: pid_t) -> Never {
        var handled = Signals.handled
        var info = siginfo_t()
        while true {
            let signal = sigwaitinfo(&handled, &info)
            if signal == SIGCHLD {
                var status: Int32 = 0
                while true {
                    let reaped = waitpid(-1, &status, WNOHANG)
                    if reaped <= 0 { break }
                    if reaped == command { finish(status) }
                }
            } else if signal > 0 {
                kill(command, signal)
            }
        }
    }

    private func finish(_ status: Int32) -> Never {
        let signal = status & 0x7f
        if signal == 0 {
            let code = (status >> 8) & 0xff
            FileIO.write(report, "exited \(code)\n")
            _exit(code)
        }
        FileIO.write(report, "signaled \(signal)\n")
        _exit(128 + signal)
    }
}
