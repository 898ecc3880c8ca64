import BerthCore
import BerthStore
import Hummingbird

/// `/v1/discovery/prometheus`: the services' healthy targets in Prometheus' HTTP service
/// discovery format (`http_sd_configs`), so Prometheus finds and scrapes Berth's containers
/// with nothing in between.
///
/// One target group per target: a group's labels apply to all its targets, and the labels that
/// say which container and node a target is (`__meta_berth_container`, `__meta_berth_node`)
/// differ per target. The whole list in one array, unpaged: Prometheus reads a response whole
/// and has no way to follow a `next` token.
struct DiscoveryRoutes<Context: RequestContext> {
    let store: Store

    func register(on router: Router<Context>) {
        router.get("/v1/discovery/prometheus") { request, _ in
            let names = try Self.services(Query(request).string("service"))
            let snapshot = try await BlockingQuery(request).read(store, watching: WatchFilter(kinds: [.service, .target])) { reader in
                try reader.discoveryTargets(services: names)
            }
            let groups = snapshot.value.flatMap { Self.groups($0.service, $0.targets) }
            return try JSONResponse.make(groups, index: snapshot.index)
        }
    }

    /// `?service=a,b`: DNS labels (as many as the 16 KiB request head holds); nil (every
    /// service) when absent.
    static func services(_ text: String?) throws -> [String]? {
        guard let text else { return nil }
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        for name in names { try Rules.name(name, field: "service") }
        return names
    }

    /// One group per target, reached by `berth lb`'s rule: the node's address and the host
    /// port when the port is published, else the container's address and port.
    static func groups(_ service: Service, _ targets: [ServiceTargets.Target]) -> [PrometheusTargetGroup] {
        var serviceLabels = ["__meta_berth_service": service.name]
        for (key, value) in service.spec.labels { serviceLabels["__meta_berth_service_label_\(labelName(key))"] = value }
        let template = service.spec.template
        return targets.map { target in
            var labels = serviceLabels
            labels["__meta_berth_node"] = target.node
            labels["__meta_berth_node_address"] = target.hostAddress
            labels["__meta_berth_container"] = target.container
            labels["__meta_berth_container_ip"] = target.ip ?? ""
            labels["__meta_berth_port"] = String(target.port)
            if let name = template.ports.first(where: { $0.containerPort == target.port })?.name { labels["__meta_berth_port_name"] = name }
            let address = target.hostPort.map { ConsulCatalogView.hostPort(target.hostAddress, $0) }
                ?? ConsulCatalogView.hostPort(target.ip ?? target.hostAddress, target.port)
            return PrometheusTargetGroup(targets: [address], labels: labels)
        }
    }

    /// A label key as a Prometheus label name: `.` and `-` (anything but letters, digits and
    /// `_`) become `_`.
    static func labelName(_ key: String) -> String {
        String(key.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") ? $0 : "_" })
    }
}

/// An item of Prometheus' `http_sd` response.
struct PrometheusTargetGroup: Encodable, Hashable {
    var targets: [String]
    var labels: [String: String]
}
