import BerthCore
import BerthStore
import Hummingbird

/// `/v1/services`: desired state for replicated and global services, and their LB targets.
struct ServiceRoutes<Context: RequestContext> {
    let store: Store

    func register(on router: Router<Context>) {
        router.get("/v1/services") { request, _ in
            let snapshot = try await BlockingQuery(request).read(store, watching: WatchFilter(kinds: [.service, .container])) { db in
                ItemList(items: try ServiceRepository.list(db))
            }
            return try JSONResponse.make(snapshot.value, index: snapshot.index)
        }
        router.get("/v1/services/:name") { request, context in
            let name = try context.name()
            let query = try BlockingQuery(request)
            await query.waitIfAsked(store, watching: WatchFilter(kinds: [.service, .container]))
            return try await query.object(store, key: ObjectKey(.service, name), notFound: .notFound(kind: .service, name: name)) { db in
                try ServiceRepository.fetch(db, name)
            }
        }
        router.put("/v1/services/:name") { request, context in
            let name = try context.name()
            let cas = try Query(request).cas()
            let spec = try await RequestBody.decode(ServiceSpec.self, from: request)
            let (service, created, index) = try await store.write { tx in
                let (service, created) = try ServiceRepository.put(tx, name: name, spec: spec, cas: cas)
                return (service, created, tx.resultIndex)
            }
            return try JSONResponse.make(service, index: index, status: created ? .created : .ok)
        }
        router.delete("/v1/services/:name") { request, context in
            let name = try context.name()
            let cas = try Query(request).cas()
            let (service, index) = try await store.write { tx in
                (try ServiceRepository.delete(tx, name: name, cas: cas), tx.resultIndex)
            }
            return try JSONResponse.make(service, index: index)
        }
        router.get("/v1/services/:name/targets") { request, context in
            let name = try context.name()
            let snapshot = try await BlockingQuery(request).read(store, watching: .object(.target, name)) { db in
                try TargetRepository.fetch(db, service: name)
            }
            return try JSONResponse.make(snapshot.value, index: snapshot.index)
        }
    }
}
