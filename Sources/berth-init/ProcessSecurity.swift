import Glibc

/// What the command's process does to itself between fork and execve, in runc's order
/// (libcontainer's standard_init and finalizeNamespace): without no_new_privs the seccomp filter
/// first (loading it then needs CAP_SYS_ADMIN); the bounding set; the user and groups, keeping
/// the capabilities across the switch (PR_SET_KEEPCAPS); the effective, permitted, inheritable
/// and ambient sets; no_new_privs; and, with it, the seccomp filter last, so that as few calls
/// as possible run under it before execve.
struct ProcessSecurity {
    /// Which step failed, for the message the init reports.
    enum Step: Int32 {
        case exec = 0, seccomp, bounding, user, capabilities, noNewPrivileges

        var failure: String {
            switch self {
            case .exec: "cannot execute"
            case .seccomp: "cannot load the seccomp filter"
            case .bounding: "cannot drop capabilities from the bounding set"
            case .user: "cannot switch to the container's user and group"
            case .capabilities: "cannot set the capability sets"
            case .noNewPrivileges: "cannot set no_new_privs"
            }
        }
    }

    let capabilities: Capabilities
    let user: (uid: UInt32, gid: UInt32)
    let noNewPrivileges: Bool
    let filter: SeccompFilter?

    /// Prepared in the init, before the fork, so that a bad profile is a setup failure with a
    /// message rather than an errno from the child.
    init(arguments: InitArguments) throws(SetupFailure) {
        guard let kept = Capabilities.parse(arguments.capabilities).0 else {
            throw SetupFailure(.security, "unknown capability in \(arguments.capabilities)")
        }
        capabilities = Capabilities(kept: kept, lastCapability: Capabilities.lastCapabilityOfKernel())
        user = arguments.user ?? (0, 0)
        noNewPrivileges = arguments.noNewPrivileges
        filter = arguments.seccomp ? try SeccompFilter(capabilities: capabilities, cacheDirectory: Self.cacheDirectory(arguments)) : nil
    }

    /// `<runtime state>.seccomp`, beside the runtime's state directory (the parent of the
    /// container's) rather than in it, where it would look like a container; made 0700 when
    /// missing; nil when it cannot be made (the filter is then compiled every time). The
    /// runtime hides it from containers on the host's files.
    static func cacheDirectory(_ arguments: InitArguments) -> String? {
        guard let slash = arguments.stateDirectory.lastIndex(of: "/"), slash != arguments.stateDirectory.startIndex else { return nil }
        let directory = String(arguments.stateDirectory[..<slash]) + ".seccomp"
        return mkdir(directory, 0o700) == 0 || errno == EEXIST ? directory : nil
    }

    /// Runs in the forked command just before execve: the failed step and its errno, or nil.
    func apply() -> (Step, Int32)? {
        if let filter, !noNewPrivileges, let error = filter.load() { return (.seccomp, error) }
        if let error = capabilities.dropBounding() { return (.bounding, error) }
        _ = Linux.prctl(8 /* PR_SET_KEEPCAPS */, 1)
        var groups = [gid_t(user.gid)]
        guard setgroups(1, &groups) == 0, setgid(user.gid) == 0, setuid(user.uid) == 0 else { return (.user, errno) }
        _ = Linux.prctl(8, 0)
        if let error = capabilities.apply() { return (.capabilities, error) }
        if noNewPrivileges, Linux.prctl(38 /* PR_SET_NO_NEW_PRIVS */, 1) != 0 { return (.noNewPrivileges, errno) }
        if let filter, noNewPrivileges, let error = filter.load() { return (.seccomp, error) }
        return nil
    }
}
