import BerthCore

/// Renders a complete HAProxy configuration: a `defaults` section, one `backend berth_<service>`
/// per service and, given a listen address, one `frontend berth` that routes to them.
///
/// Routing matches the nginx file: `/<service>/` goes to that service with the prefix stripped
/// (only when several services share the frontend), `/` to the first service. A backend with no
/// server is valid HAProxy and answers 503, which is exactly what an empty service should do.
public struct HAProxyRenderer: ConfigRenderer {
    /// HAProxy `bind` address (`127.0.0.1:8081`, `:8081`); nil renders backends only.
    public var listen: String?

    public init(listen: String?) {
        self.listen = listen
    }

    public var proxyName: String { "haproxy" }

    public func render(_ watched: [WatchedService]) -> String {
        let services = watched.map(BalancedService.init)
        let routed = services.count > 1
        var out = header(services, usage: "A complete HAProxy configuration: haproxy -f FILE.")
        out += """

            defaults
                mode http
                timeout connect 1s
                timeout client 60s
                timeout server 60s
                retries 2
                option redispatch

            """
        if let listen, let first = services.first {
            out += "\nfrontend berth\n    bind \(listen)\n"
            if routed {
                for service in services {
                    out += "    http-request redirect location /\(service.name)/ code 301 if { path /\(service.name) }\n"
                }
                for service in services {
                    out += "    use_backend \(Self.backendName(service.name)) if { path_beg /\(service.name)/ }\n"
                }
            }
            out += "    default_backend \(Self.backendName(first.name))\n"
        }
        for service in services {
            out += "\nbackend \(Self.backendName(service.name))\n"
            out += Self.balance(service.algorithm)
            if routed && listen != nil {
                out += "    http-request set-path %[path,regsub(^/\(service.name)/,/)] if { path_beg /\(service.name)/ }\n"
            }
            if service.servers.isEmpty {
                out += "    # no healthy target: HAProxy answers 503\n"
            }
            for server in service.servers {
                out += "    server \(server.name) \(server.address) check\n"
            }
        }
        return out
    }

    static func backendName(_ service: String) -> String { "berth_\(service)" }

    /// The `balance` lines of an algorithm. `sourceHash` hashes the client's address
    /// (consistently, so a target coming or going moves only its own share of clients): a
    /// client keeps its target as long as the target set does, with no timeout.
    static func balance(_ algorithm: LoadBalancerAlgorithm) -> String {
        switch algorithm {
        case .roundRobin: "    balance roundrobin\n"
        case .random: "    balance random\n"
        case .leastConn: "    balance leastconn\n"
        case .sourceHash: "    balance source\n    hash-type consistent\n"
        }
    }
}
