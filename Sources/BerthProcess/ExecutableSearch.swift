#if canImport(Glibc)
import Glibc
#endif

/// Finds a program the way a shell would, then in the folders where Debian puts daemons and
/// admin tools (`/usr/sbin/nginx`, `/usr/sbin/ip`, `/usr/sbin/nft`), which a non-root PATH lacks.
/// Berth's tool runner, `berth lb` and the tests all look programs up here.
public enum ExecutableSearch {
    /// Searched after PATH, in this order.
    public static let fallbackFolders = ["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/local/bin", "/usr/bin", "/bin"]

    /// The full path of `name`, or nil when it is not installed. A name with a slash is a path
    /// and is only checked.
    public static func find(_ name: String, path: String? = getenv("PATH").map { String(cString: $0) }) -> String? {
        if name.contains("/") { return isExecutableFile(name) ? name : nil }
        let folders = (path ?? "").split(separator: ":").map(String.init) + fallbackFolders
        return folders.lazy.map { "\($0)/\(name)" }.first(where: isExecutableFile)
    }

    /// What `posix_spawn` is given: a path as it is (the spawn reports a missing one), a bare
    /// name looked up with `find`.
    static func resolve(_ executable: String) throws(ProcessError) -> String {
        if executable.contains("/") { return executable }
        guard let found = find(executable) else { throw .notFound(executable) }
        return found
    }

    /// A regular file this process may execute (a directory has an x bit too).
    private static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }
}
