import Glibc

/// The process outside the container that outlives the agent: it starts the container's
/// init in a new pid namespace, writes `<state-dir>/pid` once the command runs, waits for
/// the init, and writes `<state-dir>/exit` when it ends. It stays in the host's namespaces
/// and in no container cgroup, so neither an OOM kill nor a kill of the whole cgroup can
/// take it before the exit is recorded.
///
/// State directory records (all written by rename, so a reader sees whole lines or nothing):
/// - `monitor`: this process's host pid;
/// - `pid`: the container init's host pid (pid 1 inside), written once the command runs;
/// - `exit`: first line `exited CODE`, `signaled SIGNAL` or `error CODE MESSAGE`; then
///   `oom_kill N` when a memory cgroup reported its OOM-kill count.
struct Monitor {
    let arguments: InitArguments

    private func path(_ name: String) -> String { arguments.stateDirectory + "/" + name }

    /// Runs the container to its end and returns the monitor's exit status.
    func run() -> Int32 {
        chdir("/")
        FileIO.writeAtomically(path("monitor"), "\(getpid())\n")
        let log = open(arguments.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard log >= 0 else {
            return record(SetupFailure(.stateOrLog, "cannot open log \(arguments.log): \(FileIO.lastError)"), log: -1)
        }
        if let failure = preflight() { return record(failure, log: log) }
        var networkNamespace: Int32 = -1
        if let netns = arguments.networkNamespace {
            networkNamespace = open(netns, O_RDONLY | O_CLOEXEC)
            if networkNamespace < 0 {
                let message = errno == ENOENT
                    ? "network namespace \(netns) does not exist"
                    : "cannot open network namespace \(netns): \(FileIO.lastError)"
                return record(SetupFailure(.networkNamespace, message), log: log)
            }
        }
        var handled = Signals.handled
        sigprocmask(SIG_BLOCK, &handled, nil)
        signal(SIGPIPE, SIG_IGN)
        var report: [Int32] = [-1, -1]
        guard pipe(&report) == 0 else {
            return record(SetupFailure(.internalError, "cannot make a pipe: \(FileIO.lastError)"), log: log)
        }
        _ = fcntl(report[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(report[1], F_SETFD, FD_CLOEXEC)
        guard Linux.unshare(Linux.newPID) == 0 else {
            return record(SetupFailure(.namespaces, "cannot make a pid namespace: \(FileIO.lastError)"), log: log)
        }
        let initPID = fork()
        guard initPID >= 0 else {
            return record(SetupFailure(.internalError, "cannot fork the container init: \(FileIO.lastError)"), log: log)
        }
        if initPID == 0 {
            close(report[0])
            ContainerInit(arguments: arguments, log: log, networkNamespace: networkNamespace, report: report[1]).run()
        }
        close(report[1])
        if networkNamespace >= 0 { close(networkNamespace) }
        return supervise(initPID, report: report[0], log: log)
    }

    /// Waits for the init's `ready` (or its setup failure), then for its end.
    private func supervise(_ initPID: pid_t, report: Int32, log: Int32) -> Int32 {
        var status: Int32 = 0
        let first = FileIO.readLine(report)
        guard first == "ready" else {
            while waitpid(initPID, &status, 0) < 0, errno == EINTR {}
            let failure = first.flatMap(SetupFailure.init(record:))
                ?? SetupFailure(.internalError, "the container init died during setup (\(Self.describe(status)))")
            return record(failure, log: log)
        }
        FileIO.writeAtomically(path("pid"), "\(initPID)\n")
        var handled = Signals.handled
        var info = siginfo_t()
        while true {
            let signal = sigwaitinfo(&handled, &info)
            if signal == SIGCHLD {
                if waitpid(initPID, &status, WNOHANG) == initPID { break }
            } else if signal > 0 {
                kill(initPID, signal)
            }
        }
        // The init reports the command's own status; if it was killed before it could, its
        // wait status is the best there is.
        var outcome = FileIO.readLine(report) ?? ""
        if !(outcome.hasPrefix("exited ") || outcome.hasPrefix("signaled ")) {
            outcome = Self.describe(status)
        }
        var text = outcome + "\n"
        if let kills = oomKills() { text += "oom_kill \(kills)\n" }
        FileIO.writeAtomically(path("exit"), text)
        return 0
    }

    /// Checks, from the host's side, what would otherwise fail deep inside the new
    /// namespaces with a vaguer message.
    private func preflight() -> SetupFailure? {
        if let rootfs = arguments.rootfs {
            guard let kind = FileIO.kind(rootfs) else { return SetupFailure(.rootfs, "rootfs \(rootfs) does not exist") }
            guard kind == S_IFDIR else { return SetupFailure(.rootfs, "rootfs \(rootfs) is not a directory") }
        }
        if let resolv = arguments.resolvConf {
            guard let kind = FileIO.kind(resolv) else { return SetupFailure(.resolvConf, "resolv.conf \(resolv) does not exist") }
            guard kind == S_IFREG else { return SetupFailure(.resolvConf, "resolv.conf \(resolv) is not a regular file") }
        }
        for cgroup in arguments.cgroups where FileIO.kind(cgroup + "/cgroup.procs") == nil {
            return SetupFailure(.cgroup, "cgroup \(cgroup) does not exist")
        }
        return nil
    }

    /// Logs a setup failure and records it as the container's exit.
    private func record(_ failure: SetupFailure, log: Int32) -> Int32 {
        let line = "berth-init: error: \(failure.message)\n"
        if log >= 0 { FileIO.write(log, line) } else { FileIO.write(2, line) }
        FileIO.writeAtomically(path("exit"), failure.record + "\n")
        return failure.code.rawValue
    }

    /// The largest OOM-kill count among the joined cgroups (v1 `memory.oom_control`, v2
    /// `memory.events`), read after the init ended and before anyone removes the cgroups.
    private func oomKills() -> Int? {
        var found: Int?
        for cgroup in arguments.cgroups {
            for file in ["memory.oom_control", "memory.events"] {
                guard let text = FileIO.read(cgroup + "/" + file) else { continue }
                for line in text.split(separator: "\n") where line.hasPrefix("oom_kill ") {
                    if let count = Int(line.dropFirst("oom_kill ".count)) { found = max(found ?? 0, count) }
                }
            }
        }
        return found
    }

    /// A wait status as an `exit` record line.
    static func describe(_ status: Int32) -> String {
        let signal = status & 0x7f
        return signal == 0 ? "exited \((status >> 8) & 0xff)" : "signaled \(signal)"
    }
}
