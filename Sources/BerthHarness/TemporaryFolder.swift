import Foundation

/// A fresh folder under the system's temporary directory for one test or run; `remove()`
/// deletes it and everything in it.
public struct TemporaryFolder: Sendable {
    public let url: URL
    public var path: String { url.path }

    public init(prefix: String = "berth-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A path inside the folder.
    public func file(_ name: String) -> String { url.appendingPathComponent(name).path }

    public func remove() { try? FileManager.default.removeItem(at: url) }
}
