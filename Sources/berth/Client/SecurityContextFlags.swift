import ArgumentParser
import BerthCore

/// The template's `securityContext` from docker-style flags, shared by `service create` and
/// `service update`: `--cap-add`/`--cap-drop`, `--read-only`, `--user` and `--privileged` as
/// Docker spells them, and the two `--security-opt` values Berth has. Each flag changes only
/// what it names, so `update` keeps the rest. Capability names and id ranges are checked by the
/// server, whose 400 names the field: the CLI keeps no list of its own.
struct SecurityContextFlags: ParsableArguments {
    @Option(name: .customLong("cap-add"), help: ArgumentHelp("Add a Linux capability, like NET_ADMIN (repeatable).", valueName: "capability"))
    var capAdd: [String] = []

    @Option(name: .customLong("cap-drop"), help: ArgumentHelp("Drop a Linux capability, or ALL (repeatable).", valueName: "capability"))
    var capDrop: [String] = []

    @Flag(name: .customLong("read-only"), inversion: .prefixedNo, help: "Mount the container's root file system read-only.")
    var readOnly: Bool?

    @Option(name: [.customShort("u"), .customLong("user")], help: ArgumentHelp("The command's numeric user and group (default 0:0).", valueName: "uid[:gid]"))
    var user: String?

    @Flag(inversion: .prefixedNo, help: "Every capability, no seccomp filter, unmasked /proc, writable /sys, every device.")
    var privileged: Bool?

    @Option(
        name: .customLong("security-opt"),
        help: ArgumentHelp("seccomp=unconfined|default or no-new-privileges=true|false (repeatable).", valueName: "option")
    )
    var securityOptions: [String] = []

    /// Whether any flag was given.
    var isEmpty: Bool {
        capAdd.isEmpty && capDrop.isEmpty && readOnly == nil && user == nil && privileged == nil && securityOptions.isEmpty
    }

    /// What `--security-opt` may say. Docker's other options (apparmor, label, a seccomp
    /// profile file) have no meaning in Berth and are refused rather than ignored.
    enum SecurityOption: Equatable {
        case seccomp(SecurityContext.Seccomp)
        case noNewPrivileges(Bool)

        init(parsing text: String) throws {
            // Docker accepts `key=value` and the older `key:value`, and `no-new-privileges` alone.
            let separator = text.firstIndex { $0 == "=" || $0 == ":" }
            let key = separator.map { String(text[..<$0]) } ?? text
            let value = separator.map { String(text[text.index(after: $0)...]) }
            switch (key, value) {
            case ("seccomp", "unconfined"): self = .seccomp(.unconfined)
            case ("seccomp", "default"): self = .seccomp(.default)
            case ("no-new-privileges", nil), ("no-new-privileges", "true"): self = .noNewPrivileges(true)
            case ("no-new-privileges", "false"): self = .noNewPrivileges(false)
            default:
                throw CLIError(
                    "--security-opt \(text): Berth takes only seccomp=unconfined, seccomp=default, no-new-privileges=true and no-new-privileges=false"
                )
            }
        }
    }

    /// The parsed `--security-opt` values and `--user`, checked before anything is sent.
    func parsed() throws -> (options: [SecurityOption], user: (uid: Int, gid: Int?)?) {
        let options = try securityOptions.map(SecurityOption.init(parsing:))
        guard let user else { return (options, nil) }
        let parts = user.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let uid = Int(parts[0]), parts.count == 1 || Int(parts[1]) != nil else {
            throw CLIError("--user \(user): give a numeric UID or UID:GID (names are not looked up in the image)")
        }
        return (options, (uid, parts.count == 2 ? Int(parts[1]) : nil))
    }

    /// Writes the given flags into the template's security context (made with the defaults when
    /// the template has none). `--cap-add X` also takes X out of capDrop and `--cap-drop X` out of
    /// capAdd, as `docker service update` does, so the last word on a capability wins.
    func apply(to template: inout ContainerTemplate) throws {
        guard !isEmpty else { return }
        let (options, user) = try parsed()
        var context = template.securityContext ?? SecurityContext()
        for name in capDrop {
            context.capAdd.removeAll { Self.same($0, name) }
            if !context.capDrop.contains(where: { Self.same($0, name) }) { context.capDrop.append(name.uppercased()) }
        }
        for name in capAdd {
            context.capDrop.removeAll { Self.same($0, name) }
            if !context.capAdd.contains(where: { Self.same($0, name) }) { context.capAdd.append(name.uppercased()) }
        }
        if let readOnly { context.readOnlyRootFilesystem = readOnly }
        if let privileged { context.privileged = privileged }
        if let user {
            context.runAsUser = user.uid
            context.runAsGroup = user.gid
        }
        for option in options {
            switch option {
            case .seccomp(let mode): context.seccomp = mode
            case .noNewPrivileges(let on): context.noNewPrivileges = on
            }
        }
        template.securityContext = context
    }

    /// The same capability however written (`net_admin`, `CAP_NET_ADMIN`).
    private static func same(_ a: String, _ b: String) -> Bool {
        func bare(_ name: String) -> String {
            let upper = name.uppercased()
            return upper.hasPrefix("CAP_") ? String(upper.dropFirst(4)) : upper
        }
        return bare(a) == bare(b)
    }
}
