import BerthStore
import Hummingbird
import Metrics
import Prometheus

/// `/healthz`, `/v1/openapi.yaml` and `/metrics`: liveness, the contract, and what operators scrape.
struct SystemRoutes<Context: RequestContext> {
    let store: Store
    let metrics: PrometheusCollectorRegistry?
    /// Counts the clients' long-polls (the hub's waiters include the loops' own).
    let limiter: WatchLimiter

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
        if let metrics {
            router.get("/metrics") { _, _ in
                // Gauges that are cheaper to read at scrape time than to keep current.
                let pending = try await store.read { try $0.pendingContainers() }.value
                Gauge(label: "berth_change_index").record(store.hub.current)
                Gauge(label: "berth_watches_waiting").record(limiter.total)
                Gauge(label: "berth_containers_pending").record(pending)
                var text: [UInt8] = []
                metrics.emit(into: &text)
                return Response(
                    status: .ok,
                    headers: [.contentType: "text/plain; version=0.0.4", .berthIndex: String(store.hub.current)],
                    body: .init(byteBuffer: ByteBuffer(bytes: text))
                )
            }
        }
    }
}
