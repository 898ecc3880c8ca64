import BerthCore
import BerthStore
import Hummingbird

/// `/v1/containers`: standalone containers, filtered listings, and agents' status reports.
struct ContainerRoutes<Context: RequestContext> {
    let store: Store

    func register(on router: Router<Context>) {
        router.get("/v1/containers") { request, _ in
            let query = Query(request)
            let filter = ContainerFilter(
                service: try query.name("service"), node: try query.name("node"), state: try query.enum("state", ContainerState.self),
                job: try query.name("job")
            )
            // The list's identity, so a token cannot continue a list with other filters.
            var list = "containers?service=\(filter.service ?? "")&node=\(filter.node ?? "")&state=\(filter.state?.rawValue ?? "")"
            if let job = filter.job { list += "&job=\(job)" }
            let page = try await BlockingQuery(request).list(
                store, watching: .kind(.container), try query.page(list), cursor: \.cursor
            ) { reader, after, limit in try reader.containerDocuments(filter, after: after, limit: limit) }
            return JSONResponse.rawPage(page.items.map(\.json), next: page.next, index: page.index)
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
            let snapshot = try await BlockingQuery(request).read(store, watching: .object(.container, id)) { reader in
                try reader.containerDocument(id)
            }
            guard let document = snapshot.value else { throw BerthError.notFound(kind: .container, name: id) }
            return JSONResponse.raw(ByteBuffer(string: document.json), index: snapshot.index)
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
