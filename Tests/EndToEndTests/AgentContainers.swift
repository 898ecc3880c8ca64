import BerthTesting
import Foundation

/// Containers outlive their agent by design (a restarted agent adopts them): end the process
/// driver's containers from the agents' records, so a test leaves no process behind.
func killAgentContainers(_ agents: String) {
    for node in (try? FileManager.default.contentsOfDirectory(atPath: agents)) ?? [] {
        let folder = "\(agents)/\(node)/containers"
        for record in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
            if let data = try? Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(record)")),
               let pid = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["pid"] as? Int {
                kill(-Int32(pid), SIGKILL)
            }
        }
    }
}

/// A fresh temporary folder for one end-to-end test (the caller removes it).
func temporaryFolder() throws -> URL {
    try TemporaryFolder(prefix: "berth-e2e").url
}
