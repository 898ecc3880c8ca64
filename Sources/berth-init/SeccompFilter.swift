import CSeccomp
import Glibc

/// The container's seccomp filter, built with libseccomp from `SeccompProfile` for the
/// capabilities the command keeps, this machine's architecture (and its sub-architectures, as
/// Docker's archMap) and its kernel, as runc builds Docker's profile. Built in the init, where
/// a failure can be reported with a message, and loaded by the command's process as the last
/// step before execve (or, without no_new_privs, before the capabilities are dropped: loading
/// a filter then needs CAP_SYS_ADMIN, as in runc).
struct SeccompFilter {
    private let context: scmp_filter_ctx

    /// Calls the profile names that this libseccomp does not know (newer than it) are skipped,
    /// as runc skips them: they get the default action.
    init(capabilities: Capabilities) throws(SetupFailure) {
        // SCMP_ACT_ERRNO(x) is 0x00050000 | x.
        guard let context = seccomp_init(0x0005_0000 | UInt32(SeccompProfile.defaultErrno)) else {
            throw SetupFailure(.security, "seccomp: cannot make a filter (libseccomp)")
        }
        self.context = context
        // berth-init sets no_new_privs itself, only when the container asks for it.
        _ = seccomp_attr_set(context, SCMP_FLTATR_CTL_NNP, 0)
        let native = Self.nativeArchitecture
        for sub in SeccompProfile.architectures[native] ?? [] {
            let token = seccomp_arch_resolve_name(Self.libseccompName(sub))
            if token != 0 { _ = seccomp_arch_add(context, token) }
        }
        let kernel = Self.kernelVersion()
        for rule in SeccompProfile.rules where Self.applies(rule, capabilities: capabilities, architecture: native, kernel: kernel) {
            let action: UInt32 = switch rule.action {
            case .allow: 0x7fff_0000  // SCMP_ACT_ALLOW
            case .errno(let code): 0x0005_0000 | UInt32(code)
            }
            var arguments = rule.args.map { argument in
                scmp_arg_cmp(arg: argument.index, op: Self.comparison(argument.op), datum_a: argument.value, datum_b: argument.valueTwo)
            }
            for name in rule.names {
                let number = seccomp_syscall_resolve_name(name)
                if number == __NR_SCMP_ERROR { continue }
                let result = arguments.withUnsafeMutableBufferPointer { buffer in
                    seccomp_rule_add_array(context, action, number, UInt32(buffer.count), buffer.baseAddress)
                }
                // -EEXIST: the call already has this rule (the profile lists a few twice).
                if result != 0, result != -EEXIST {
                    throw SetupFailure(.security, "seccomp: cannot add the rule for \(name): \(String(cString: strerror(-result)))")
                }
            }
        }
    }

    /// Loads the filter into the calling process; errno on failure. Runs in the forked
    /// command just before execve.
    func load() -> Int32? {
        let result = seccomp_load(context)
        return result == 0 ? nil : -result
    }

    /// Whether a rule is for this container: every `includes` condition met, no `excludes`
    /// condition met (Docker's semantics: within one condition, any listed item matches).
    static func applies(_ rule: SeccompProfile.Rule, capabilities: Capabilities, architecture: String, kernel: [Int]) -> Bool {
        let includes = rule.includes, excludes = rule.excludes
        if !includes.caps.isEmpty, !includes.caps.contains(where: capabilities.keeps) { return false }
        if !includes.arches.isEmpty, !includes.arches.contains(architecture) { return false }
        if let minimum = includes.minKernel, kernel.lexicographicallyPrecedes(versionNumbers(minimum)) { return false }
        if !excludes.caps.isEmpty, excludes.caps.contains(where: capabilities.keeps) { return false }
        if !excludes.arches.isEmpty, excludes.arches.contains(architecture) { return false }
        if let minimum = excludes.minKernel, !kernel.lexicographicallyPrecedes(versionNumbers(minimum)) { return false }
        return true
    }

    /// Docker's name of the architecture berth-init runs on.
    static var nativeArchitecture: String {
        #if arch(x86_64)
        "amd64"
        #elseif arch(arm64)
        "arm64"
        #else
        "unknown"
        #endif
    }

    /// libseccomp's names for Docker's sub-architecture names.
    private static func libseccompName(_ docker: String) -> String {
        ["x86": "x86", "x32": "x32", "arm": "arm"][docker] ?? docker
    }

    private static func comparison(_ op: SeccompProfile.Comparison) -> scmp_compare {
        switch op {
        case .notEqual: SCMP_CMP_NE
        case .less: SCMP_CMP_LT
        case .lessOrEqual: SCMP_CMP_LE
        case .equal: SCMP_CMP_EQ
        case .greaterOrEqual: SCMP_CMP_GE
        case .greater: SCMP_CMP_GT
        case .maskedEqual: SCMP_CMP_MASKED_EQ
        }
    }

    /// The running kernel's version as numbers (`6.1.0-18-amd64` → [6, 1, 0]).
    static func kernelVersion() -> [Int] {
        var name = utsname()
        uname(&name)
        let release = withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return versionNumbers(release)
    }

    static func versionNumbers(_ text: String) -> [Int] {
        text.split(separator: "-").first.map { $0.split(separator: ".").compactMap { Int($0) } } ?? []
    }
}
