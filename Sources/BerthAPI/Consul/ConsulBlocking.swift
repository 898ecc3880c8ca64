import BerthCore
import BerthStore
import HTTPTypes
import Hummingbird

extension HTTPField.Name {
    static let consulIndex = HTTPField.Name("X-Consul-Index")!
    static let consulKnownLeader = HTTPField.Name("X-Consul-KnownLeader")!
    static let consulLastContact = HTTPField.Name("X-Consul-LastContact")!
    static let consulToken = HTTPField.Name("X-Consul-Token")!
}

/// Consul's blocking queries over Berth's change hub, with Consul's semantics: with `?index=N`
/// (N > 0) the answer comes once the query's own index (`ConsulIndexes`) is above N, or when
/// `wait` (plus up to 1/16 of it, as Consul adds) runs out; without it, at once.
///
/// The hub wakes the query for any change of the kinds it reads; an unchanged answer parks it
/// again, until the next change after the snapshot it just read.
struct ConsulBlocking: Sendable {
    let store: Store
    let indexes: ConsulIndexes

    /// Reads `answer` (its body and status) in one snapshot, blocking as `request` asks, and
    /// returns the response with its `X-Consul-Index`.
    func respond(
        _ request: ConsulRequest, key: String, watching filter: WatchFilter, status: HTTPResponse.Status = .ok, json: Bool = true,
        _ answer: @escaping @Sendable (StoreReader) throws -> [UInt8]
    ) async throws -> Response {
        let clock = store.clock
        let jitter = request.wait / 16
        let deadline = clock.uptime + request.wait + (jitter > .zero ? jitter * Double.random(in: 0...1) : .zero)
        var after = request.index ?? 0
        while true {
            if request.blocks {
                await store.hub.wait(after: after, filter: filter, timeout: max(deadline - clock.uptime, .zero))
            }
            let snapshot = try await store.read(answer)
            let index = indexes.index(for: key, body: snapshot.value, readAt: snapshot.index)
            let done = !request.blocks || index > (request.index ?? 0) || clock.uptime >= deadline
                || store.hub.isShutDown || Task.isCancelled || Abandonment.current?.isAbandoned == true
            if done { return Self.response(snapshot.value, index: index, status: status, json: json) }
            // The same answer as the client holds: wait for the next change after this read.
            after = snapshot.index
        }
    }

    static func response(_ body: [UInt8], index: UInt64, status: HTTPResponse.Status = .ok, json: Bool = true) -> Response {
        var headers: HTTPFields = [.consulIndex: String(index)]
        if json { headers[.contentType] = "application/json" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
