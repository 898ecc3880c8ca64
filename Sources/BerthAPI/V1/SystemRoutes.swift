import BerthStore
import Hummingbird

/// `/healthz` and `/v1/openapi.yaml`: liveness and the contract itself.
struct SystemRoutes<Context: RequestContext> {
    let store: Store

    func register(on router: Router<Context>) {
        router.get("/healthz") { _, _ in
            let index = store.hub.current
            return JSONResponse.raw(ByteBuffer(string: #"{"status":"ok","index":\#(index)}"#), index: index)
        }
        router.get("/v1/openapi.yaml") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/yaml", .berthIndex: String(store.hub.current)],
                body: .init(byteBuffer: ByteBuffer(string: embeddedOpenAPISpec))
            )
        }
    }
}
