import BerthCore
import BerthStore
import Hummingbird

/// `/v1/services`: desired state for replicated and global services, and their LB targets.
struct ServiceRoutes<Context: RequestContext> {
    let store: Store
    let answers: AnswerCache

    func register(on router: Router<Context>) {
        router.get("/v1/services") { request, _ in
            let page = try await BlockingQuery(request).list(
                store, watching: WatchFilter(kinds: [.service, .container]), try Query(request).page("services"), cursor: StoreReader.cursor
            ) { reader, after, limit in try reader.services(after: after, limit: limit) }
            return try JSONResponse.page(page)
        }
        router.get("/v1/services/:name") { request, context in
            let name = try context.name()
            let query = try BlockingQuery(request)
            await query.waitIfAsked(store, watching: WatchFilter(kinds: [.service, .container]))
            return try await query.object(
                store, answers: answers, key: ObjectKey(.service, name), notFound: .notFound(kind: .service, name: name)
            ) { try $0.service(name) }
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
        router.get("/v1/targets") { request, _ in
            let page = try await BlockingQuery(request).list(
                store, watching: .kind(.target), try Query(request).page("targets"), cursor: StoreReader.cursor
            ) { reader, after, limit in try reader.targets(after: after, limit: limit) }
            return try JSONResponse.page(page)
        }
        router.get("/v1/services/:name/targets") { request, context in
            let name = try context.name()
            let snapshot = try await BlockingQuery(request).read(store, watching: .object(.target, name)) { reader in
                try reader.targets(service: name)
            }
            return try JSONResponse.make(snapshot.value, index: snapshot.index)
        }
    }
}
