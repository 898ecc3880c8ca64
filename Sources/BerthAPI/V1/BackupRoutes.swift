import BerthCore
import BerthStore
import Foundation
import Hummingbird

/// `/v1/backup`: the whole cluster state as one consistent SQLite file, taken online.
struct BackupRoutes<Context: RequestContext> {
    let store: Store

    func register(on router: Router<Context>) {
        router.get("/v1/backup") { _, _ in
            let directory = URL(fileURLWithPath: store.path).deletingLastPathComponent().path
            let path = "\(directory)/.berth-backup-\(UUID().uuidString).db"
            let index = try await store.snapshot(to: path)
            // Open, then unlink: the file disappears with the handle however the client goes.
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            try FileManager.default.removeItem(atPath: path)
            let body = ResponseBody(contentLength: size) { writer in
                defer { try? handle.close() }
                while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                    try await writer.write(ByteBuffer(bytes: chunk))
                }
                try await writer.finish(nil)
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/vnd.sqlite3",
                    .contentDisposition: "attachment; filename=\"berth-\(index).db\"",
                    .berthIndex: String(index),
                ],
                body: body
            )
        }
    }
}
