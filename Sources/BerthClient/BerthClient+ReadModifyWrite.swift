import Foundation

extension BerthClient {
    /// Reads an object, changes it, and writes it back with `?cas=<modifyIndex>`, so a write made
    /// by someone else in between is never overwritten. A lost race (409 `cas_failed`) is retried
    /// once from a fresh read; a second loss is reported.
    ///
    /// - Parameters:
    ///   - path: the object's path, used for both the GET and the PUT.
    ///   - modifyIndex: the object's `modifyIndex`.
    ///   - change: builds the spec to PUT from the current object.
    public func readModifyWrite<Object: Decodable & Sendable, Spec: Encodable>(
        _ path: String,
        as type: Object.Type,
        modifyIndex: (Object) -> UInt64,
        change: (Object) throws -> Spec
    ) async throws -> Reply {
        var attempt = 0
        while true {
            let current = try await fetch(Object.self, path)
            let spec = try change(current.value)
            let reply = try await put(APIPath.with(path, [("cas", String(modifyIndex(current.value)))]), json: spec)
            if reply.status == 409, attempt == 0, APIFailure(reply).code == "cas_failed" {
                attempt += 1
                continue
            }
            return try checked(reply)
        }
    }
}
