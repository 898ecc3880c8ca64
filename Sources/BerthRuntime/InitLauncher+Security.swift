extension InitLauncher {
    /// berth-init's security options for `spec` (see berth-init's InitArguments). On the
    /// host's files the runtime's own state directory (every container's spec, environment
    /// and layers) and /run/netns (every container's network namespace) are hidden too.
    static func securityArguments(for spec: LinuxContainerSpec, runtimeState: String) -> [String] {
        let security = spec.security ?? ContainerSecurity()
        var arguments = [
            "--caps", security.capabilities.isEmpty ? "," : security.capabilities.joined(separator: ","),
            "--no-new-privileges", security.noNewPrivileges ? "yes" : "no",
            "--seccomp", security.seccomp.rawValue,
            "--privileged", security.privileged ? "yes" : "no",
            "--read-only", security.readOnlyRootFilesystem ? "yes" : "no",
        ]
        if security.user != nil || security.group != nil {
            arguments += ["--user", "\(security.user ?? 0):\(security.group ?? 0)"]
        }
        if spec.rootfs == nil {
            for path in [runtimeState, "/run/netns"] + security.hiddenPaths { arguments += ["--hide", path] }
        }
        return arguments
    }
}
