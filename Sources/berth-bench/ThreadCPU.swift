import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// CPU time of some of a process's threads, by name, from /proc: how much of the server's time
/// its DNS threads (`berth-dns-N`) spent, apart from its control loops'.
enum ThreadCPU {
    static func seconds(pid: Int32, namePrefix: String) -> Double? {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return nil }
        var ticks = 0.0
        for task in tasks {
            guard let comm = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/comm", encoding: .utf8), comm.hasPrefix(namePrefix),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
            ticks += user + system
        }
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
