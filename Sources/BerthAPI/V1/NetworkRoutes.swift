import BerthCore
import BerthStore
import Hummingbird

/// `/v1/networks` and `/v1/leases`: address pools and who holds which address.
struct NetworkRoutes<Context: RequestContext> {
    let store: Store

    func register(on router: Router<Context>) {
        router.get("/v1/networks") { request, _ in
            let page = try await BlockingQuery(request).list(
                store, watching: .kind(.network), try Query(request).page("networks"), cursor: StoreReader.cursor
            ) { reader, after, limit in try reader.networks(after: after, limit: limit) }
            return try JSONResponse.page(page)
        }
        router.get("/v1/networks/:name") { request, context in
            let name = try context.name()
            let snapshot = try await BlockingQuery(request).read(store, watching: .object(.network, name)) { reader in
                try reader.network(name)
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
            let filter = LeaseFilter(network: try query.name("network"), node: try query.name("node"), owner: query.string("owner"))
            if let owner = filter.owner { try Rules.length(owner, 1...63, field: "owner") }
            let list = "leases?network=\(filter.network ?? "")&node=\(filter.node ?? "")&owner=\(filter.owner ?? "")"
            let page = try await BlockingQuery(request).list(
                store, watching: .kind(.lease), try query.page(list), cursor: StoreReader.cursor
            ) { reader, after, limit in try reader.leases(filter, after: after, limit: limit) }
            return try JSONResponse.page(page)
        }
    }
}
