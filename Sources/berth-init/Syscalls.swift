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
    /// O_PATH: a handle on a file that can only name it (for bind mounts after pivot_root).
    static let openPath: Int32 = 0o10_000_000

    private typealias UnshareFunction = @convention(c) (Int32) -> Int32
    private typealias SetnsFunction = @convention(c) (Int32, Int32) -> Int32
    private typealias CloseRangeFunction = @convention(c) (UInt32, UInt32, Int32) -> Int32
    /// `long syscall(long number, ...)`. glibc implements it in assembly that reads the
    /// arguments from the registers the kernel ABI uses, so a fixed-arity call is sound on
    /// x86_64 and aarch64 (the only targets Berth builds for).
    private typealias Syscall2Function = @convention(c) (Int, Int, Int) -> Int

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
