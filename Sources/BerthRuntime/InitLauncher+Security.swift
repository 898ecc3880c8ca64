extension InitLauncher {
    /// berth-init's security options for `spec` (see berth-init's InitArguments): only those
    /// that differ from berth-init's defaults, which are Docker's (14 capabilities,
    /// no_new_privs, the default seccomp profile, masked /proc). On the host's files the
    /// runtime's own state directory (every container's spec, environment and layers), the
    /// seccomp cache beside it and /run/netns (every container's network namespace) are
    /// hidden too.
    static func securityArguments(for spec: LinuxContainerSpec, runtimeState: String) -> [String] {
        let security = spec.security ?? ContainerSecurity()
        var arguments: [String] = []
        if Set(security.capabilities) != Set(ContainerSecurity.defaultCapabilities) {
            arguments += ["--caps", security.capabilities.isEmpty ? "," : security.capabilities.joined(separator: ",")]
        }
        if !security.noNewPrivileges { arguments += ["--no-new-privileges", "no"] }
        if security.seccomp != .default { arguments += ["--seccomp", security.seccomp.rawValue] }
        if security.privileged { arguments += ["--privileged", "yes"] }
        if security.readOnlyRootFilesystem { arguments += ["--read-only", "yes"] }
        if security.user != nil || security.group != nil {
            arguments += ["--user", "\(security.user ?? 0):\(security.group ?? 0)"]
        }
        if spec.rootfs == nil {
            // `.seccomp`: berth-init's compiled filters, which a container must not rewrite.
            for path in [runtimeState, runtimeState + ".seccomp", "/run/netns"] + security.hiddenPaths { arguments += ["--hide", path] }
        }
        return arguments
    }
}
