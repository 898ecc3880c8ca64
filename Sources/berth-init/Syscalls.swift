import Glibc

/// The Linux calls and constants that Swift's Glibc module hides (it is built without
/// `_GNU_SOURCE`, so `<sched.h>` keeps `unshare`, `setns` and the `CLONE_*` flags to itself),
/// and `pivot_root`, which glibc does not wrap at all. They are looked up once with `dlsym`:
/// the symbols are glibc's own non-variadic functions, so calling them through an exact C
/// function type is an ordinary call. No C target is needed, which keeps berth-init one
/// Swift target with no dependency.
enum Linux {
    static let newNamespace: Int32 = 0x0002_0000  // CLONE_NEWNS
    static let newUTS: Int32 = 0x0400_0000  // CLONE_NEWUTS
    static let newIPC: Int32 = 0x0800_0000  // CLONE_NEWIPC
    static let newPID: Int32 = 0x2000_0000  // CLONE_NEWPID
    static let newNetwork: Int32 = 0x4000_0000  // CLONE_NEWNET
    static let newCgroup: Int32 = 0x0200_0000  // CLONE_NEWCGROUP
    /// O_PATH: a handle on a file that can only name it (for bind mounts after pivot_root).
    static let openPath: Int32 = 0o10_000_000

    private typealias UnshareFunction = @convention(c) (Int32) -> Int32
    private typealias SetnsFunction = @convention(c) (Int32, Int32) -> Int32
    private typealias CloseRangeFunction = @convention(c) (UInt32, UInt32, Int32) -> Int32
    /// `long syscall(long number, ...)`. glibc implements it in assembly that reads the
    /// arguments from the registers the kernel ABI uses, so a fixed-arity call is sound on
    /// x86_64 and aarch64 (the only targets Berth builds for).
    private typealias Syscall2Function = @convention(c) (Int, Int, Int) -> Int
    private typealias Syscall5Function = @convention(c) (Int, Int, Int, Int, Int, Int) -> Int
    /// `int prctl(int option, ...)`, called with its four unsigned long arguments (the same
    /// register argument on x86_64 and aarch64 as a variadic call passes them).
    private typealias PrctlFunction = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
    private typealias CapabilityFunction = @convention(c) (UnsafeMutableRawPointer, UnsafeMutableRawPointer) -> Int32

    private static func symbol<T>(_ name: String, as type: T.Type) -> T? {
        guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(address, to: type)
    }

    /// unshare(2). Returns 0, or -1 with errno set.
    static func unshare(_ flags: Int32) -> Int32 {
        guard let function = symbol("unshare", as: UnshareFunction.self) else { errno = ENOSYS; return -1 }
        return function(flags)
    }

    /// setns(2). Returns 0, or -1 with errno set.
    static func setns(_ fd: Int32, _ type: Int32) -> Int32 {
        guard let function = symbol("setns", as: SetnsFunction.self) else { errno = ENOSYS; return -1 }
        return function(fd, type)
    }

    /// pivot_root(2) by syscall number.
    static func pivotRoot(_ newRoot: String, _ putOld: String) -> Int32 {
        #if arch(x86_64)
        let number = 155
        #elseif arch(arm64)
        let number = 41
        #else
        #error("berth-init knows the pivot_root syscall number for x86_64 and arm64 only")
        #endif
        guard let function = symbol("syscall", as: Syscall2Function.self) else { errno = ENOSYS; return -1 }
        return newRoot.withCString { new in
            putOld.withCString { old in
                Int32(truncatingIfNeeded: function(number, Int(bitPattern: new), Int(bitPattern: old)))
            }
        }
    }

    /// prctl(2). Returns its result, or -1 with errno set.
    static func prctl(_ option: Int32, _ a: UInt = 0, _ b: UInt = 0, _ c: UInt = 0, _ d: UInt = 0) -> Int32 {
        guard let function = symbol("prctl", as: PrctlFunction.self) else { errno = ENOSYS; return -1 }
        return function(option, a, b, c, d)
    }

    /// capget(2) or capset(2) (glibc exports both, its headers declare neither) on a version 3
    /// header and its two data words.
    static func capabilities(_ name: String, _ header: UnsafeMutableRawPointer, _ data: UnsafeMutableRawPointer) -> Int32 {
        guard let function = symbol(name, as: CapabilityFunction.self) else { errno = ENOSYS; return -1 }
        return function(header, data)
    }

    /// mount_setattr(2) (Linux 5.12) by syscall number: changes mount flags of a whole tree at
    /// once. `set` and `clear` are MOUNT_ATTR_* bits.
    static func mountSetattr(_ path: String, recursive: Bool, set: UInt64, clear: UInt64 = 0) -> Int32 {
        // struct mount_attr { u64 attr_set, attr_clr, propagation, userns_fd; }
        var attributes: [UInt64] = [set, clear, 0, 0]
        guard let function = symbol("syscall", as: Syscall5Function.self) else { errno = ENOSYS; return -1 }
        let atFDCWD = -100, atRecursive = 0x8000
        return path.withCString { text in
            attributes.withUnsafeMutableBytes { bytes in
                Int32(truncatingIfNeeded: function(
                    442, atFDCWD, Int(bitPattern: text), recursive ? atRecursive : 0,
                    Int(bitPattern: bytes.baseAddress), bytes.count))
            }
        }
    }

    /// Closes every descriptor from `first` on: the agent may have leaked some into the
    /// spawn, and a container must not hold the agent's sockets or files open.
    static func closeDescriptors(from first: Int32) {
        if let function = symbol("close_range", as: CloseRangeFunction.self), function(UInt32(first), UInt32.max, 0) == 0 {
            return
        }
        let limit = min(Int32(sysconf(Int32(_SC_OPEN_MAX))), 65536)
        var fd = first
        while fd < limit {
            close(fd)
            fd += 1
        }
    }
}
