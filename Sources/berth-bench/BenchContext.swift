import BerthHarness
import Foundation

/// What every benchmark needs: the `berth` binary, the scripts folder, a scratch folder and
/// how many runs to make. Resolved once per command.
struct BenchContext: Sendable {
    var berth: String
    var benchDir: String
    var runs: Int
    /// A fresh folder under $TMPDIR for databases and child logs; removed by `cleanUp`.
    var scratch: String

    static func resolve(berth: String?, benchDir: String?, runs: Int) throws -> BenchContext {
        let executableDir = Self.executableDirectory()
        let berthPath = berth.map(Self.absolute) ?? "\(executableDir)/berth"
        guard FileManager.default.isExecutableFile(atPath: berthPath) else {
            throw BenchError("no berth binary at \(berthPath): build it with `swift build -c release`, or pass --berth PATH")
        }
        let scripts: String
        if let benchDir {
            scripts = Self.absolute(benchDir)
        } else if let found = Self.findBenchDir(from: [executableDir, FileManager.default.currentDirectoryPath]) {
            scripts = found
        } else {
            throw BenchError("cannot find the repository's bench/ folder (with berth-put.lua); pass --bench-dir PATH")
        }
        for name in ["berth-put.lua", "berth-get.lua", "longpoll.py"] where !FileManager.default.fileExists(atPath: "\(scripts)/\(name)") {
            throw BenchError("\(scripts)/\(name) is missing")
        }
        let tmp = NSTemporaryDirectory().hasSuffix("/") ? String(NSTemporaryDirectory().dropLast()) : NSTemporaryDirectory()
        var template = Array("\(tmp)/berth-bench-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw BenchError("cannot create a scratch folder in \(NSTemporaryDirectory())") }
        ChildRegistry.shared.installSignalHandlers()
        return BenchContext(berth: berthPath, benchDir: scripts, runs: runs, scratch: String(cString: made))
    }

    /// The repository root: the folder holding bench/.
    var repositoryRoot: String { URL(fileURLWithPath: benchDir).deletingLastPathComponent().path }

    func script(_ name: String) -> String { "\(benchDir)/\(name)" }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: scratch)
    }

    /// This executable's folder, from /proc/self/exe, else from argv[0].
    static func executableDirectory() -> String {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: absolute(CommandLine.arguments[0])).resolvingSymlinksInPath().path
        return URL(fileURLWithPath: path).deletingLastPathComponent().path
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : "\(FileManager.default.currentDirectoryPath)/\(path)"
    }

    /// Looks for `bench/berth-put.lua` in each start folder and up to six of its ancestors.
    static func findBenchDir(from starts: [String]) -> String? {
        for start in starts {
            var url = URL(fileURLWithPath: start)
            for _ in 0..<7 {
                let candidate = url.appendingPathComponent("bench").path
                if FileManager.default.fileExists(atPath: "\(candidate)/berth-put.lua") { return candidate }
                url.deleteLastPathComponent()
            }
        }
        return nil
    }
}

/// Prints a line at once, unbuffered, so progress shows through a pipe or `tee` as it happens.
func say(_ line: String = "") {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// A failure worth a plain sentence.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// How busy the machine is before a benchmark starts: other processes' load skews every figure.
enum MachineLoad {
    /// The share of all CPUs busy over `interval`, from /proc/stat (0…1), or nil off Linux.
    static func busy(over interval: Duration = .seconds(1)) async -> Double? {
        guard let first = sample() else { return nil }
        try? await Task.sleep(for: interval)
        guard let second = sample(), second.total > first.total else { return nil }
        return 1 - (second.idle - first.idle) / (second.total - first.total)
    }

    /// Says how busy the machine was, with a warning when something else is using it.
    static func report() async {
        guard let busy = await busy() else { return }
        let percent = Int((busy * 100).rounded())
        say(busy > 0.15
            ? "  WARNING: the machine was \(percent)% busy before this benchmark; other processes skew its figures"
            : "  machine idle before start (\(percent)% CPU busy)")
    }

    private static func sample() -> (idle: Double, total: Double)? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ")
        else { return nil }
        let values = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard values.count >= 5 else { return nil }
        return (idle: values[3] + values[4], total: values.reduce(0, +))
    }
}
