/// berth-init's command line. The agent builds it; people read it in `ps`, so it is plain
/// long options, each value its own argument, and the container's command after `--`:
///
///     berth-init --state-dir DIR --log FILE
///                [--cgroup DIR]...            cgroup directories to join (one per hierarchy)
///                [--netns PATH]               network namespace to join (/run/netns/NAME)
///                [--hostname NAME]            hostname in the container's UTS namespace
///                [--rootfs DIR]               root filesystem (pivot_root into it); else the host's
///                [--resolv-conf FILE]         bind-mounted over the container's /etc/resolv.conf
///                [--cwd DIR]                  working directory of the command (default /)
///                [--env KEY=VALUE]...         the command's environment (PATH defaulted)
///                [--env-file FILE]            more of it: KEY=VALUE entries separated by NUL bytes
///                [--caps LIST]                capabilities kept, like CHOWN,KILL or ALL (default Docker's 14)
///                [--user UID:GID]             run the command as this user and group (default 0:0)
///                [--no-new-privileges yes|no] set no_new_privs before exec (default yes)
///                [--seccomp default|unconfined] Docker's default seccomp profile, or none (default default)
///                [--privileged yes|no]        no masked or read-only /proc paths, /sys writable (default no)
///                [--read-only yes|no]         no writable layer over the rootfs; host files read-only (default no)
///                [--hide PATH]...             host files only: an empty tmpfs over a directory, /dev/null over a file
///                -- COMMAND [ARGUMENT]...
///
/// The agent passes the environment in a file (mode 0600 in the state directory) rather
/// than with `--env`: a command line is readable by every user through /proc, and
/// environments carry secrets. It is not passed as berth-init's own environment either,
/// where a container's LD_LIBRARY_PATH or LD_PRELOAD would change how berth-init loads.
///
/// `--state-dir` must come first among options that can fail, so that even a malformed
/// command line leaves an `exit` record explaining itself.
struct InitArguments {
    var stateDirectory = ""
    var log = ""
    var cgroups: [String] = []
    var networkNamespace: String?
    var hostname: String?
    var rootfs: String?
    var resolvConf: String?
    var workingDirectory: String?
    var environment: [String] = []
    var environmentFile: String?
    var command: [String] = []
    /// Capability names the command keeps (see `Capabilities`).
    var capabilities = Capabilities.dockerDefault.joined(separator: ",")
    var user: (uid: UInt32, gid: UInt32)?
    var noNewPrivileges = true
    var seccomp = true
    var privileged = false
    var readOnly = false
    var hiddenPaths: [String] = []

    static let usage = """
        usage: berth-init --state-dir DIR --log FILE [--cgroup DIR]... [--netns PATH] [--hostname NAME]
                          [--rootfs DIR] [--resolv-conf FILE] [--cwd DIR] [--env KEY=VALUE]... [--env-file FILE]
                          [--caps LIST] [--user UID:GID] [--no-new-privileges yes|no] [--seccomp default|unconfined]
                          [--privileged yes|no] [--read-only yes|no] [--hide PATH]...
                   -- COMMAND [ARG]...
        """

    /// The search path a command gets when its environment names none.
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// Parses argv (without argv[0]). On failure `partial` still carries what was read, so the
    /// caller can write the failure into the state directory when one was named.
    static func parse(_ arguments: [String]) -> (arguments: InitArguments?, partial: InitArguments, error: String?) {
        var result = InitArguments()
        var index = 0
        func value(_ option: String) -> String? {
            guard index + 1 < arguments.count else { return nil }
            index += 1
            return arguments[index]
        }
        while index < arguments.count {
            let option = arguments[index]
            if option == "--" {
                result.command = Array(arguments[(index + 1)...])
                break
            }
            guard let text = value(option) else { return (nil, result, "\(option) needs a value") }
            switch option {
            case "--state-dir": result.stateDirectory = text
            case "--log": result.log = text
            case "--cgroup": result.cgroups.append(text)
            case "--netns": result.networkNamespace = text
            case "--hostname": result.hostname = text
            case "--rootfs": result.rootfs = text
            case "--resolv-conf": result.resolvConf = text
            case "--cwd": result.workingDirectory = text
            case "--env":
                guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                    return (nil, result, "--env needs KEY=VALUE, got \(text)")
                }
                result.environment.append(text)
            case "--env-file": result.environmentFile = text
            case "--caps":
                if let unknown = Capabilities.parse(text).unknown { return (nil, result, "--caps: unknown capability \(unknown)") }
                result.capabilities = text
            case "--user":
                let parts = text.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 2, let uid = UInt32(parts[0]), let gid = UInt32(parts[1]) else {
                    return (nil, result, "--user needs UID:GID as numbers, got \(text)")
                }
                result.user = (uid, gid)
            case "--no-new-privileges", "--privileged", "--read-only":
                guard text == "yes" || text == "no" else { return (nil, result, "\(option) takes yes or no, got \(text)") }
                switch option {
                case "--no-new-privileges": result.noNewPrivileges = text == "yes"
                case "--privileged": result.privileged = text == "yes"
                default: result.readOnly = text == "yes"
                }
            case "--seccomp":
                guard text == "default" || text == "unconfined" else { return (nil, result, "--seccomp takes default or unconfined, got \(text)") }
                result.seccomp = text == "default"
            case "--hide":
                guard text.hasPrefix("/"), text != "/" else { return (nil, result, "--hide needs an absolute path other than /, got \(text)") }
                result.hiddenPaths.append(text)
            default: return (nil, result, "unknown option \(option)")
            }
            index += 1
        }
        if result.stateDirectory.isEmpty { return (nil, result, "--state-dir is required") }
        if result.log.isEmpty { return (nil, result, "--log is required") }
        if result.command.isEmpty { return (nil, result, "no command after --") }
        let paths = [result.stateDirectory, result.log, result.rootfs, result.resolvConf, result.networkNamespace, result.environmentFile]
        for path in paths.compactMap({ $0 })
        where !path.hasPrefix("/") {
            return (nil, result, "\(path) is not an absolute path")
        }
        if let rootfs = result.rootfs, rootfs.contains(where: { $0 == "," || $0 == ":" || $0 == "\\" }) {
            // They separate overlayfs's mount options and layers.
            return (nil, result, "--rootfs \(rootfs) must not contain ',', ':' or '\\'")
        }
        if let hostname = result.hostname, hostname.isEmpty || hostname.utf8.count > 64 {
            return (nil, result, "hostname must be 1 to 64 bytes")
        }
        if let file = result.environmentFile {
            guard let text = FileIO.read(file, limit: 1 << 20) else { return (nil, result, "cannot read --env-file \(file)") }
            for entry in text.split(separator: "\0") where !entry.isEmpty {
                guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                    return (nil, result, "--env-file \(file) has an entry without KEY=")
                }
                result.environment.append(String(entry))
            }
        }
        if !result.environment.contains(where: { $0.hasPrefix("PATH=") }) {
            result.environment.append("PATH=\(defaultPath)")
        }
        return (result, result, nil)
    }

    /// The command's PATH, for finding the program inside the container.
    var searchPath: String {
        environment.first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) } ?? Self.defaultPath
    }
}
