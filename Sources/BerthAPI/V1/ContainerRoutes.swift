import BerthCore
import BerthStore
import Hummingbird

/// `/v1/containers`: standalone containers, filtered listings, and agents' status reports.
struct ContainerRoutes<Context: RequestContext> {
    let store: Store

    func register(on router: Router<Context>) {
        router.get("/v1/containers") { request, _ in
            let query = Query(request)
            let service = try query.name("service")
            let node = try query.name("node")
            let state = try query.enum("state", ContainerState.self)
            let snapshot = try await BlockingQuery(request).read(store, watching: .kind(.container)) { db in
                ItemList(items: try ContainerRepository.list(db, service: service, node: node, state: state))
            }
            return try JSONResponse.make(snapshot.value, index: snapshot.index)
        }
        router.post("/v1/containers") { request, _ in
            let spec = try await RequestBody.decode(ContainerSpec.self, from: request)
            let (container, index) = try await store.write { tx in
                (try ContainerRepository.create(tx, spec: spec), tx.resultIndex)
            }
            return try JSONResponse.make(container, index: index, status: .created)
        }
        router.get("/v1/containers/:id") { request, context in
            let id = try context.containerID()
            let snapshot = try await BlockingQuery(request).read(store, watching: .object(.container, id)) { db in
                try ContainerRepository.fetch(db, id)
            }
            guard let container = snapshot.value else { throw BerthError.notFound(kind: .container, name: id) }
            return try JSONResponse.make(container, index: snapshot.index)
        }
        router.delete("/v1/containers/:id") { request, context in
            let id = try context.containerID()
            let cas = try Query(request).cas()
            let (container, index) = try await store.write { tx in
                (try ContainerRepository.delete(tx, id: id, cas: cas), tx.resultIndex)
            }
            return try JSONResponse.make(container, index: index)
        }
        router.put("/v1/containers/:id/status") { request, context in
            let id = try context.containerID()
            let cas = try Query(request).cas()
            let report = try await RequestBody.decode(StatusReport.self, from: request)
            let (container, index) = try await store.write { tx in
                (try ContainerRepository.report(tx, id: id, report: report, cas: cas), tx.resultIndex)
            }
            return try JSONResponse.make(container, index: index)
        }
    }
}
