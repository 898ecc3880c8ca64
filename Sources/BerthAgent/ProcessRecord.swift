import Foundation

/// What the process driver remembers of a running container, on disk, so that an agent that
/// restarts finds (and adopts) the processes it started.
struct ProcessRecord: Codable, Sendable, Equatable {
    var id: String
    var pid: Int32
    var hostPorts: [String: Int]
    var startedAt: Date
}

/// The driver's folder for one node: `containers/<id>.json` records and `logs/<id>.log`.
struct NodeDirectory: Sendable {
    let root: URL

    var containers: URL { root.appendingPathComponent("containers") }
    var logs: URL { root.appendingPathComponent("logs") }

    func record(_ id: String) -> URL { containers.appendingPathComponent("\(id).json") }
    func log(_ id: String) -> URL { logs.appendingPathComponent("\(id).log") }

    func prepare() throws {
        try FileManager.default.createDirectory(at: containers, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
    }

    func save(_ record: ProcessRecord) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        try encoder.encode(record).write(to: self.record(record.id), options: .atomic)
    }

    func remove(_ id: String) {
        try? FileManager.default.removeItem(at: record(id))
    }

    func load() -> [ProcessRecord] {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let files = (try? FileManager.default.contentsOfDirectory(at: containers, includingPropertiesForKeys: nil)) ?? []
        return files.filter { $0.pathExtension == "json" }.compactMap { try? decoder.decode(ProcessRecord.self, from: Data(contentsOf: $0)) }
    }
}
