import BerthCore
import BerthHarness
import Foundation

/// A node's own resolver, as a real network has one: the lab gives a node namespace a
/// resolv.conf of its own (`/etc/netns/NODE/resolv.conf`, what `ip netns exec` shows its
/// processes and what an agent with `--netns` reads as the node's resolvers), and the outside
/// namespace can run a tiny authoritative DNS server for it. Teardown removes the folder.
extension NetworkLab {
    public func setResolver(of node: Node, nameserver: IPv4Address) throws {
        let folder = "/etc/netns/\(node.namespace)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "nameserver \(nameserver)\n".write(toFile: folder + "/resolv.conf", atomically: true, encoding: .utf8)
    }
}

extension LabCluster {
    /// Answers `name` A `address` on 203.0.113.1:53 (UDP) in the outside namespace, NXDOMAIN
    /// for any other name: the "internet's" DNS for the lab. A few lines of Python, so nothing
    /// about it is Berth's.
    public func serveOutsideDNS(name: String, address: IPv4Address) async throws {
        let script = """
            import socket, struct, sys
            name, addr = sys.argv[1].lower().rstrip('.'), socket.inet_aton(sys.argv[2])
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((sys.argv[3], 53))
            while True:
                q, peer = s.recvfrom(4096)
                if len(q) < 17:
                    continue
                i, labels = 12, []
                while i < len(q) and q[i] and len(labels) < 64:
                    labels.append(q[i + 1:i + 1 + q[i]].decode('ascii', 'replace')); i += 1 + q[i]
                asked, qtype, end = '.'.join(labels).lower(), q[i + 1:i + 3], i + 5
                hit = asked == name and qtype == b'\\x00\\x01'
                flags = 0x8580 if asked == name else 0x8583
                header = q[:2] + struct.pack('>HHHHH', flags, 1, 1 if hit else 0, 0, 0)
                answer = b'\\xc0\\x0c' + struct.pack('>HHIH', 1, 1, 5, 4) + addr if hit else b''
                s.sendto(header + q[12:end] + answer, peer)
            """
        try lab.spawn(lab.outsideNamespace, [try Tools.path("python3"), "-c", script, name, "\(address)", "\(NetworkLab.outsideServer)"])
        try await eventually("the outside DNS server answers \(name)", timeout: .seconds(10)) {
            let output = try? await lab.runDetached(lab.outsideNamespace, ["timeout", "5", LabWeb.busybox, "nslookup", name, "\(NetworkLab.outsideServer)"])
            return output.map { $0.status == 0 && String(decoding: $0.stdout, as: UTF8.self).contains("\(address)") } ?? false
        }
    }
}
