import BerthCore
import BerthStore
import Hummingbird

/// `/v1/jobs`: run-to-completion jobs; their containers are listed at `/v1/containers?job=`,
/// a periodic job's runs at `/v1/jobs?parent=`.
struct JobRoutes<Context: RequestContext> {
    let store: Store
    let answers: AnswerCache

    func register(on router: Router<Context>) {
        router.get("/v1/jobs") { request, _ in
            let query = Query(request)
            let parent = try query.name("parent")
            let page = try await BlockingQuery(request).list(
                store, watching: .kind(.job), try query.page("jobs?parent=\(parent ?? "")"), cursor: StoreReader.cursor
            ) { reader, after, limit in try reader.jobs(after: after, limit: limit, parent: parent) }
            return try JSONResponse.page(page)
        }
        router.get("/v1/jobs/:name") { request, context in
            let name = try context.name()
            let query = try BlockingQuery(request)
            await query.waitIfAsked(store, watching: .object(.job, name))
            return try await query.object(
                store, answers: answers, key: ObjectKey(.job, name), notFound: .notFound(kind: .job, name: name)
            ) { try $0.job(name) }
        }
        router.put("/v1/jobs/:name") { request, context in
            let name = try context.name()
            let cas = try Query(request).cas()
            let spec = try await RequestBody.decode(JobSpec.self, from: request)
            let (job, created, index) = try await store.write { tx in
                let (job, created) = try JobRepository.put(tx, name: name, spec: spec, cas: cas)
                return (job, created, tx.resultIndex)
            }
            return try JSONResponse.make(job, index: index, status: created ? .created : .ok)
        }
        router.delete("/v1/jobs/:name") { request, context in
            let name = try context.name()
            let cas = try Query(request).cas()
            let (job, index) = try await store.write { tx in
                (try JobRepository.delete(tx, name: name, cas: cas), tx.resultIndex)
            }
            return try JSONResponse.make(job, index: index)
        }
    }
}
