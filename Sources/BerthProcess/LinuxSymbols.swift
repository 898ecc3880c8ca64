#if canImport(Glibc)
import Glibc
#endif

/// glibc functions that Swift's Glibc module does not declare: the `_np` spawn actions need
/// `_GNU_SOURCE`, and `<sys/pidfd.h>` is not in the module at all. They are looked up once
/// with `dlsym`; each is a plain non-variadic function, so a call through its exact C type is an
/// ordinary call. Nil where this glibc lacks one (closefrom: 2.34, chdir: 2.29, pidfd: 2.36).
enum LinuxSymbols {
    typealias FileActionDescriptor = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias FileActionPath = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    typealias PidfdOpen = @convention(c) (pid_t, UInt32) -> Int32

    /// `posix_spawn_file_actions_addclosefrom_np`: the child closes every descriptor from N up.
    static let addCloseFrom: FileActionDescriptor? = symbol("posix_spawn_file_actions_addclosefrom_np")
    /// `posix_spawn_file_actions_addchdir_np`: the child changes directory before exec.
    static let addChdir: FileActionPath? = symbol("posix_spawn_file_actions_addchdir_np")
    /// `pidfd_open`: a descriptor that polls readable once the process has exited.
    static let pidfdOpen: PidfdOpen? = symbol("pidfd_open")

    private static func symbol<T>(_ name: String) -> T? {
        guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(address, to: T.self)
    }
}
