import BerthCore
import BerthStore
import Hummingbird

/// `/v1/networks` and `/v1/leases`: address pools and who holds which address.
struct NetworkRoutes<Context: RequestContext> {
    let store: Store

    func register(on router: Router<Context>) {
        router.get("/v1/networks") { request, _ in
            let snapshot = try await BlockingQuery(request).read(store, watching: .kind(.network)) { db in
                ItemList(items: try NetworkRepository.list(db))
            }
            return try JSONResponse.make(snapshot.value, index: snapshot.index)
        }
        router.get("/v1/networks/:name") { request, context in
            let name = try context.name()
            let snapshot = try await BlockingQuery(request).read(store, watching: .object(.network, name)) { db in
                try NetworkRepository.fetch(db, name)
            }
            guard let network = snapshot.value else { throw BerthError.notFound(kind: .network, name: name) }
            return try JSONResponse.make(network, index: snapshot.index)
        }
        router.put("/v1/networks/:name") { request, context in
            let name = try context.name()
            let cas = try Query(request).cas()
            let spec = try await RequestBody.decode(NetworkSpec.self, from: request)
            let (network, created, index) = try await store.write { tx in
                let (network, created) = try NetworkRepository.put(tx, name: name, spec: spec, cas: cas)
                return (network, created, tx.resultIndex)
            }
            return try JSONResponse.make(network, index: index, status: created ? .created : .ok)
        }
        router.get("/v1/leases") { request, _ in
            let query = Query(request)
            let network = try query.name("network")
            let node = try query.name("node")
            let owner = query.string("owner")
            if let owner { try Rules.length(owner, 1...63, field: "owner") }
            let snapshot = try await BlockingQuery(request).read(store, watching: .kind(.lease)) { db in
                ItemList(items: try LeaseRepository.list(db, network: network, node: node, owner: owner))
            }
            return try JSONResponse.make(snapshot.value, index: snapshot.index)
        }
    }
}
