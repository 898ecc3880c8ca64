import ArgumentParser
import Foundation

/// Where a command finds its bearer token: `--token-file`, else `$BERTH_TOKEN`. Never a plain
/// `--token` flag: command lines are visible to every user of the machine in `ps`.
enum Credentials {
    static func token(file: String?) throws -> String? {
        if let file {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ValidationError("--token-file: cannot read \(file)")
            }
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw ValidationError("--token-file: \(file) is empty") }
            return token
        }
        let env = ProcessInfo.processInfo.environment["BERTH_TOKEN"]?.trimmingCharacters(in: .whitespacesAndNewlines)
        return env?.isEmpty == false ? env : nil
    }

    /// `--ca-file`, else `$BERTH_CA_FILE`, checked to exist so a typo fails here rather than as a
    /// TLS error later.
    static func caFile(_ flag: String?) throws -> String? {
        let (path, source) = flag.map { ($0, "--ca-file") } ?? (ProcessInfo.processInfo.environment["BERTH_CA_FILE"] ?? "", "BERTH_CA_FILE")
        guard !path.isEmpty else { return nil }
        guard FileManager.default.isReadableFile(atPath: path) else { throw ValidationError("\(source): cannot read \(path)") }
        return path
    }
}
