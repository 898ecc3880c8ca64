import BerthHarness
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A Debian tool a benchmark runs (dnsperf, unbound), installed with apt-get when it is missing,
/// as `Wrk.executable` installs wrk. Services the package ships are not started
/// (`policy-rc.d`): the benchmark starts its own instance.
enum AptTool {
    static func path(_ tool: String, package: String) async throws -> String {
        if let path = Tools.find(tool) { return path }
        guard getuid() == 0, let sh = Tools.find("sh"), Tools.find("apt-get") != nil else {
            throw BenchError("\(tool) is not installed; install it with `sudo apt-get install \(package)`")
        }
        say("installing \(package) with apt-get …")
        _ = try await ChildProcess.run(
            sh, ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq \(package)"],
            name: "apt-get-\(package)", directory: NSTemporaryDirectory(), timeout: .seconds(600)
        )
        guard let path = Tools.find(tool) else { throw BenchError("apt-get installed \(package) but \(tool) is still not on PATH") }
        return path
    }
}
