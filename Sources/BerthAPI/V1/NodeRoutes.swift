import BerthCore
import BerthStore
import Hummingbird

/// `/v1/nodes`: registration, heartbeats, inspection and removal of nodes.
struct NodeRoutes<Context: RequestContext> {
    let store: Store
    let answers: AnswerCache

    func register(on router: Router<Context>) {
        router.get("/v1/nodes") { request, _ in
            let page = try await BlockingQuery(request).list(
                store, watching: .kind(.node), try Query(request).page("nodes"), cursor: StoreReader.cursor
            ) { reader, after, limit in try reader.nodes(after: after, limit: limit) }
            return try JSONResponse.page(page)
        }
        router.get("/v1/nodes/:name") { request, context in
            let name = try context.name()
            let query = try BlockingQuery(request)
            await query.waitIfAsked(store, watching: .object(.node, name))
            return try await query.object(store, answers: answers, key: ObjectKey(.node, name), notFound: .notFound(kind: .node, name: name)) {
                try $0.node(name)
            }
        }
        router.put("/v1/nodes/:name") { request, context in
            let name = try context.name()
            let cas = try Query(request).cas()
            let spec = try await RequestBody.decode(NodeSpec.self, from: request)
            let (node, created, index, document) = try await store.write { tx in
                let (node, created) = try NodeRepository.put(tx, name: name, spec: spec, cas: cas)
                return (node, created, tx.resultIndex, tx.lastRecorded)
            }
            return try JSONResponse.written(
                node, document: document, key: ObjectKey(.node, name), index: index, answers: answers, status: created ? .created : .ok
            )
        }
        router.delete("/v1/nodes/:name") { request, context in
            let name = try context.name()
            let cas = try Query(request).cas()
            let (node, index) = try await store.write { tx in
                (try NodeRepository.delete(tx, name: name, cas: cas), tx.resultIndex)
            }
            return try JSONResponse.make(node, index: index)
        }
        router.post("/v1/nodes/:name/heartbeat") { _, context in
            let name = try context.name()
            let (node, index, document) = try await store.write { tx in
                (try NodeRepository.heartbeat(tx, name: name), tx.resultIndex, tx.lastRecorded)
            }
            return try JSONResponse.written(node, document: document, key: ObjectKey(.node, name), index: index, answers: answers)
        }
    }
}
