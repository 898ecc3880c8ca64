import BerthCore

/// Renders a file for nginx's `http {}` context: one `upstream berth_<service>` per service and,
/// given a listen address, one `server` that proxies to them.
///
/// Routing with several services on one listen address: `/<service>/` goes to that service with
/// the prefix stripped (`/api/users` arrives as `/users`), and `/` goes to the first service.
/// A service with no healthy target keeps its upstream (with a `down` placeholder, since an
/// upstream needs a server) so hand-written config that names it still loads, and its
/// locations answer 503 at once instead of nginx's 502 "no live upstreams".
public struct NginxRenderer: ConfigRenderer {
    /// nginx `listen` parameter (`127.0.0.1:8081`, `8081`); nil renders upstreams only.
    public var listen: String?

    public init(listen: String?) {
        self.listen = listen
    }

    public var proxyName: String { "nginx" }

    public func render(_ watched: [WatchedService]) -> String {
        let services = watched.map(BalancedService.init)
        var out = header(services, usage: "Include it in nginx's http {} context.")
        for service in services {
            out += "\n" + upstream(service)
        }
        if let listen, let first = services.first {
            out += "\nserver {\n    listen \(listen);\n"
            out += location("/", service: first, stripPrefix: false)
            if services.count > 1 {
                for service in services {
                    out += location("/\(service.name)/", service: service, stripPrefix: true)
                }
            }
            out += "}\n"
        }
        return out
    }

    static func upstreamName(_ service: String) -> String { "berth_\(service)" }

    /// The upstream's balancing directive (none: nginx's default round robin). `sourceHash` is
    /// `hash $remote_addr consistent`, not `ip_hash`: ip_hash keys an IPv4 client on its first
    /// three octets, and in Berth every container of a node shares that node's /24, so one
    /// node's clients would all land on one target.
    static func balance(_ algorithm: LoadBalancerAlgorithm) -> String {
        switch algorithm {
        case .roundRobin: ""
        case .random: "    random;\n"
        case .leastConn: "    least_conn;\n"
        case .sourceHash: "    hash $remote_addr consistent;\n"
        }
    }

    private func upstream(_ service: BalancedService) -> String {
        var out = "upstream \(Self.upstreamName(service.name)) {\n"
        out += Self.balance(service.algorithm)
        if service.servers.isEmpty {
            out += "    # no healthy target: a placeholder, since an upstream needs a server\n"
            out += "    server 127.0.0.1:1 down;\n"
        }
        for server in service.servers {
            out += "    server \(server.address) max_fails=1 fail_timeout=2s;  # \(server.name)\n"
        }
        return out + "}\n"
    }

    private func location(_ path: String, service: BalancedService, stripPrefix: Bool) -> String {
        var out = "\n    location \(path) {\n"
        if service.servers.isEmpty {
            out += "        return 503;\n"
        } else {
            // A URI part on proxy_pass replaces the matched location prefix: that is the strip.
            out += "        proxy_pass http://\(Self.upstreamName(service.name))\(stripPrefix ? "/" : "");\n"
            out += "        proxy_next_upstream error timeout http_502 http_503;\n"
            out += "        proxy_connect_timeout 1s;\n"
            out += "        proxy_set_header Host $host;\n"
            out += "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
        }
        return out + "    }\n"
    }
}
