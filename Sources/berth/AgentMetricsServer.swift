import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// `berth agent --metrics-listen ADDR`: the agent's own metrics in Prometheus' text format at
/// `GET /metrics` (how long network programming takes, drift repairs, nft failures), on a small
/// HTTP server of its own.
enum AgentMetricsServer {
    static func make(_ registry: PrometheusCollectorRegistry, listen: ListenAddress, logger: Logger) -> some ServiceLifecycle.Service {
        let router = Router()
        router.get("/metrics") { _, _ in
            var text: [UInt8] = []
            registry.emit(into: &text)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: text))
            )
        }
        return Application(
            router: router, configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "berth-agent"),
            onServerRunning: { channel in
                logger.info("agent metrics at http://\(listen.host):\(channel.localAddress?.port ?? listen.port)/metrics")
            },
            logger: logger
        )
    }
}
