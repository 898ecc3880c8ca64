import Glibc

/// Starts the container's command as pid 2: found in the container's PATH (inside its root),
/// in a session of its own, stdin from /dev/null, stdout and stderr appended to the log, with
/// exactly the given environment and default signal handling. A close-on-exec pipe tells the
/// init whether execve worked, so "missing command" is a setup failure with a clear message
/// rather than an exit code 127 that could also be the command's own. Between fork and execve
/// the child applies `security` (user, capabilities, no_new_privs, seccomp); a step that fails
/// is reported through the same pipe.
struct CommandLauncher {
    let arguments: InitArguments
    let log: Int32
    let security: ProcessSecurity
    /// The OOM score the command gets back (the init lowered its own).
    let oomScore: String

    func launch() throws(SetupFailure) -> pid_t {
        let program = try resolve(arguments.command[0])
        var execFailure: [Int32] = [-1, -1]
        guard pipe(&execFailure) == 0 else { throw SetupFailure(.internalError, "cannot make a pipe: \(FileIO.lastError)") }
        _ = fcntl(execFailure[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(execFailure[1], F_SETFD, FD_CLOEXEC)
        let argv = arguments.command.map { strdup($0) } + [nil]
        let envp = arguments.environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let child = fork()
        guard child >= 0 else { throw SetupFailure(.internalError, "cannot fork the command: \(FileIO.lastError)") }
        if child == 0 {
            close(execFailure[0])
            setsid()
            Signals.resetForExec()
            _ = FileIO.writeExisting("/proc/self/oom_score_adj", oomScore)
            let null = open("/dev/null", O_RDONLY)
            if null > 0 {
                dup2(null, 0)
                close(null)
            } else if null < 0 {
                close(0)
            }
            dup2(log, 1)
            dup2(log, 2)
            var report: [Int32] = [ProcessSecurity.Step.exec.rawValue, 0]
            if let (step, code) = security.apply() {
                report = [step.rawValue, code]
            } else {
                execve(program, argv, envp)
                report[1] = errno
            }
            _ = report.withUnsafeBytes { write(execFailure[1], $0.baseAddress, $0.count) }
            _exit(report[1] == ENOENT ? 127 : 126)
        }
        close(execFailure[1])
        var report: [Int32] = [0, 0]
        var count = 0
        repeat {
            count = report.withUnsafeMutableBytes { read(execFailure[0], $0.baseAddress, $0.count) }
        } while count < 0 && errno == EINTR
        close(execFailure[0])
        guard count == 2 * MemoryLayout<Int32>.size else { return child }
        var status: Int32 = 0
        waitpid(child, &status, 0)
        let code = report[1]
        if let step = ProcessSecurity.Step(rawValue: report[0]), step != .exec {
            throw SetupFailure(.security, "\(step.failure): \(String(cString: strerror(code)))")
        }
        throw SetupFailure(
            code == ENOENT ? .commandNotFound : .commandNotExecutable,
            "cannot execute \(program): \(String(cString: strerror(code)))"
        )
    }

    /// The program's path as execve needs it: as given when it has a slash, else the first
    /// executable regular file of that name in PATH.
    private func resolve(_ name: String) throws(SetupFailure) -> String {
        if name.contains("/") {
            guard let kind = FileIO.kind(name) else { throw SetupFailure(.commandNotFound, "command \(name) not found") }
            guard kind == S_IFREG, access(name, X_OK) == 0 else {
                throw SetupFailure(.commandNotExecutable, "command \(name) is not an executable file")
            }
            return name
        }
        for directory in arguments.searchPath.split(separator: ":") where !directory.isEmpty {
            let candidate = directory + "/" + name
            if FileIO.kind(candidate) == S_IFREG, access(candidate, X_OK) == 0 { return candidate }
        }
        throw SetupFailure(.commandNotFound, "command \(name) not found in PATH \(arguments.searchPath)")
    }
}
