import CSeccomp
import Glibc

/// The container's seccomp filter, built with libseccomp from `SeccompProfile` for the
/// capabilities the command keeps, this machine's architecture (and its sub-architectures, as
/// Docker's archMap) and its kernel, as runc builds Docker's profile. Built in the init, where
/// a failure can be reported with a message, and loaded by the command's process as the last
/// step before execve (or, without no_new_privs, before the capabilities are dropped: loading
/// a filter then needs CAP_SYS_ADMIN, as in runc).
///
/// Compiling the profile costs ~25 ms of CPU per start, so the compiled program (libseccomp's
/// `seccomp_export_bpf`, exactly what `seccomp_load` would install) is kept in a cache folder
/// (`<runtime state>.seccomp`, root-only and out of every container's sight),
/// named by everything it depends on: the profile, the capabilities, the architecture, the
/// kernel and libseccomp's version. A later start loads it with prctl(PR_SET_SECCOMP).
struct SeccompFilter {
    /// The BPF program: sock_filter instructions of 8 bytes each.
    private let program: [UInt64]

    /// Calls the profile names that this libseccomp does not know (newer than it) are skipped,
    /// as runc skips them: they get the default action.
    init(capabilities: Capabilities, cacheDirectory: String?) throws(SetupFailure) {
        let cached = cacheDirectory.map { $0 + "/" + Self.cacheName(capabilities) }
        if let cached, let program = Self.readProgram(cached) {
            self.program = program
            return
        }
        let context = try Self.compile(capabilities)
        defer { seccomp_release(context) }
        // Exported through a file of this start's own (two containers starting at once both
        // miss the cache and export; a shared name let one read the other's half-written or
        // unlinked file), then renamed into the cache atomically; else a throw-away one. A
        // random name, not the pid: each init is pid 1 of its own namespace.
        let path = (cached ?? "/tmp/berth-seccomp") + ".\(String(UInt64.random(in: 0...UInt64.max), radix: 16)).tmp"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SetupFailure(.security, "seccomp: cannot write \(path): \(FileIO.lastError)") }
        let exported = seccomp_export_bpf(context, fd)
        close(fd)
        guard exported == 0, let program = Self.readProgram(path) else {
            unlink(path)
            throw SetupFailure(.security, "seccomp: cannot export the filter: \(String(cString: strerror(-exported)))")
        }
        if let cached, rename(path, cached) == 0 {} else { unlink(path) }
        self.program = program
    }

    private static func compile(_ capabilities: Capabilities) throws(SetupFailure) -> scmp_filter_ctx {
        // SCMP_ACT_ERRNO(x) is 0x00050000 | x.
        guard let context = seccomp_init(0x0005_0000 | UInt32(SeccompProfile.defaultErrno)) else {
            throw SetupFailure(.security, "seccomp: cannot make a filter (libseccomp)")
        }
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
                    seccomp_release(context)
                    throw SetupFailure(.security, "seccomp: cannot add the rule for \(name): \(String(cString: strerror(-result)))")
                }
            }
        }
        return context
    }

    /// Loads the filter into the calling process (PR_SET_SECCOMP, SECCOMP_MODE_FILTER); errno
    /// on failure. Runs in the forked command just before execve.
    func load() -> Int32? {
        var program = program
        return program.withUnsafeMutableBytes { instructions in
            // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
            var header: [UInt] = [UInt(instructions.count / 8), UInt(bitPattern: instructions.baseAddress)]
            return header.withUnsafeMutableBytes { fprog in
                Linux.prctl(22, 2, UInt(bitPattern: fprog.baseAddress)) == 0 ? nil : errno
            }
        }
    }

    /// A compiled program from `path`, if it is one (whole instructions, at most BPF_MAXINSNS).
    private static func readProgram(_ path: String) -> [UInt64]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 0, info.st_size % 8 == 0, info.st_size <= 4096 * 8 else { return nil }
        var program = [UInt64](repeating: 0, count: Int(info.st_size) / 8)
        let count = program.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        return count == Int(info.st_size) ? program : nil
    }

    /// The cache file's name: an FNV-1a hash of the profile, the capabilities kept, the
    /// architecture, the kernel release and libseccomp's version.
    static func cacheName(_ capabilities: Capabilities) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ text: String) {
            for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            hash = (hash ^ 0xff) &* 0x0000_0100_0000_01b3
        }
        for rule in SeccompProfile.rules {
            rule.names.forEach(mix)
            mix("\(rule.action) \(rule.args.map { "\($0.index) \($0.value) \($0.valueTwo) \($0.op)" }) \(rule.includes) \(rule.excludes)")
        }
        mix(capabilities.kept.sorted().map(String.init).joined(separator: ","))
        mix(nativeArchitecture)
        mix(kernelVersion().map(String.init).joined(separator: "."))
        if let version = seccomp_version() { mix("\(version.pointee.major).\(version.pointee.minor).\(version.pointee.micro)") }
        return String(hash, radix: 16) + ".bpf"
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
