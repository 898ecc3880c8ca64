import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// This process's resident memory and CPU time, and that of the children it has waited for
/// (`nft`, which `ServiceProxy` runs and reaps): what the service data plane costs the agent
/// when the proxy runs in this process.
struct ProcessFootprint {
    /// Resident set, MiB (`/proc/self/statm`).
    var residentMiB: Double
    /// User + system CPU seconds of this process.
    var cpu: Double
    /// User + system CPU seconds of the children waited for so far.
    var childrenCPU: Double

    static func now() -> ProcessFootprint {
        var own = rusage(), children = rusage()
        getrusage(RUSAGE_SELF.rawValue, &own)
        getrusage(RUSAGE_CHILDREN.rawValue, &children)
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
        let pages = statm.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0
        return ProcessFootprint(residentMiB: pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576,
                                cpu: seconds(own), childrenCPU: seconds(children))
    }

    private static func seconds(_ u: rusage) -> Double {
        Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }
}
