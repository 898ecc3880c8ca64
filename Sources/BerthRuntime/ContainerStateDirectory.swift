import Foundation

/// One container's state directory, `<runtime state>/<id>/`:
///
/// | file      | written by            | holds                                             |
/// |-----------|-----------------------|---------------------------------------------------|
/// | spec.json | the runtime, at start | the `LinuxContainerSpec` (limits, log path …)     |
/// | env       | the runtime, at start | the command's environment, `K=V` NUL-separated (0600) |
/// | monitor   | berth-init's monitor  | the monitor's host pid, as soon as it runs        |
/// | pid       | berth-init's monitor  | the container init's host pid, once the command runs |
/// | exit      | berth-init's monitor  | `exited N` / `signaled N` / `error N MESSAGE`, then `oom_kill N` |
///
/// Every file is written to a temporary name and renamed, so a reader sees whole records.
/// Which files exist tells how far a start got, which is what a restarted agent needs.
struct ContainerStateDirectory: Sendable {
    let path: String

    var specFile: String { path + "/spec.json" }
    var environmentFile: String { path + "/env" }
    var monitorFile: String { path + "/monitor" }
    var pidFile: String { path + "/pid" }
    var exitFile: String { path + "/exit" }

    var exists: Bool { ControlFile.isDirectory(path) }

    /// Makes the directory; false if it already existed (the id is taken).
    func create() throws(LinuxRuntimeError) -> Bool {
        if mkdir(path, 0o700) == 0 { return true }
        if errno == EEXIST { return false }
        throw .stateIO("cannot create \(path): \(String(cString: strerror(errno)))")
    }

    func write(_ spec: LinuxContainerSpec) throws(LinuxRuntimeError) {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(spec).write(to: URL(fileURLWithPath: specFile), options: .atomic)
        } catch {
            throw .stateIO("cannot write \(specFile): \(error)")
        }
    }

    /// The environment for berth-init's `--env-file`: not on its command line, which every
    /// user can read in /proc.
    func writeEnvironment(_ environment: [String: String]) throws(LinuxRuntimeError) {
        let text = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\0" }.joined()
        guard FileManager.default.createFile(atPath: environmentFile, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw .stateIO("cannot write \(environmentFile)")
        }
    }

    func spec() -> LinuxContainerSpec? {
        guard let data = FileManager.default.contents(atPath: specFile) else { return nil }
        return try? JSONDecoder().decode(LinuxContainerSpec.self, from: data)
    }

    func monitorPID() -> Int32? { number(monitorFile) }
    func initPID() -> Int32? { number(pidFile) }

    func exitRecord() -> ExitRecord? {
        ControlFile.read(exitFile).flatMap(ExitRecord.init(text:))
    }

    /// When the start began: the spec's modification time (the directory's when an agent
    /// died before writing the spec). Linux keeps no creation time to ask for.
    func startedAt() -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: specFile)[.modificationDate] as? Date)
            ?? (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
    }

    func remove() throws(LinuxRuntimeError) {
        do {
            if exists { try FileManager.default.removeItem(atPath: path) }
        } catch {
            throw .stateIO("cannot remove \(path): \(error)")
        }
    }

    private func number(_ file: String) -> Int32? {
        ControlFile.read(file).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}
