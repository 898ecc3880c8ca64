import BerthCore
import BerthStore
import Hummingbird

/// `GET /v1/state/check`: the in-memory cluster state the loops decide from, compared with the
/// store it is kept from. An operator's (and the crash test's) proof that memory follows the
/// commits: `differences` is empty when they agree.
struct StateRoutes<Context: RequestContext> {
    let state: ClusterState?

    struct Check: Encodable {
        var index: UInt64
        var nodes: Int
        var services: Int
        var containers: Int
        var pending: Int
        var differences: [String]
    }

    func register(on router: Router<Context>) {
        router.get("/v1/state/check") { _, _ in
            guard let state else { throw BerthError.unavailable("this server runs no controllers, so it keeps no cluster state") }
            let differences = try await state.verify()
            let check = state.read { model in
                Check(
                    index: state.index, nodes: model.nodes.count, services: model.services.count,
                    containers: model.containers.count, pending: model.pending.count, differences: differences
                )
            }
            return try JSONResponse.make(check, index: check.index)
        }
    }
}
