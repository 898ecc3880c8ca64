import BerthCore
import BerthLab
import BerthNetwork
import BerthTesting
import Foundation

/// Real TCP for the service tests: a server that answers every connection with its name and the
/// address it saw the client come from, and a client that makes a batch of connections in one
/// process and reports each outcome with its duration (so refusals can be timed).
enum ServiceProbe {
    static let server = """
    import socket,sys
    s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[2], int(sys.argv[3]))); s.listen(128)
    while True:
        c,a=s.accept()
        try: c.sendall(("%s %s\\n" % (sys.argv[1], a[0])).encode())
        except OSError: pass
        c.close()
    """

    static let client = """
    import socket,sys,time
    host,port,count,timeout=sys.argv[1],int(sys.argv[2]),int(sys.argv[3]),float(sys.argv[4])
    source=sys.argv[5] if len(sys.argv)>5 else None
    for i in range(count):
        t=time.monotonic(); s=socket.socket(); s.settimeout(timeout)
        try:
            if source: s.bind((source,0))
            s.connect((host,port)); line=s.makefile().readline().strip()
            print("ok %s %.2f" % (line.replace(" ","/") or "-", (time.monotonic()-t)*1000))
        except ConnectionRefusedError: print("refused - %.2f" % ((time.monotonic()-t)*1000))
        except (socket.timeout, TimeoutError): print("timeout - %.2f" % ((time.monotonic()-t)*1000))
        except OSError as e: print("error %s %.2f" % (type(e).__name__, (time.monotonic()-t)*1000))
        finally: s.close()
    """

    /// One connection attempt: `ok` with the server's name and the peer it saw, or a failure.
    struct Outcome: Sendable, Hashable {
        enum Result: String, Sendable { case ok, refused, timeout, error }
        var result: Result
        var name: String?
        var peer: String?
        var milliseconds: Double
    }

    static var python: String { FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3" }

    /// Starts a server called `name` on `address:port` in `namespace`; waits (bounded) until it answers.
    static func serve(_ lab: NetworkLab, _ name: String, in namespace: String, at address: IPv4Address, port: Int) throws {
        _ = try lab.spawn(namespace, [python, "-c", server, name, "\(address)", "\(port)"])
        let ready = TCPProbe.poll(timeout: 5) { connect(lab, from: namespace, to: address, port: port, count: 1).first?.name == name }
        if !ready { throw TCPProbe.ProbeError("server \(name) at \(address):\(port) in \(namespace) did not start") }
    }

    /// The TCP segments `namespace` has sent again so far (`RetransSegs` in its /proc/net/snmp):
    /// a connection refused on its first SYN adds none, one whose SYN was dropped adds one a
    /// second later. That tells "refused at once" from "refused after a retry" by what happened,
    /// not by how long it took on a machine that may be busy.
    static func retransmitted(_ lab: NetworkLab, in namespace: String) throws -> Int {
        let text = String(decoding: try lab.exec(namespace, ["cat", "/proc/net/snmp"]).stdout, as: UTF8.self)
        let tcp = text.split(separator: "\n").filter { $0.hasPrefix("Tcp:") }.map { $0.split(separator: " ") }
        guard tcp.count == 2, let column = tcp[0].firstIndex(of: "RetransSegs"), let count = Int(tcp[1][column]) else {
            throw TCPProbe.ProbeError("no RetransSegs in \(namespace)'s /proc/net/snmp")
        }
        return count
    }

    /// `count` connections in a row from `namespace`; each waits at most `timeout` seconds.
    static func connect(_ lab: NetworkLab, from namespace: String, to address: IPv4Address, port: Int, count: Int,
                        timeout: Double = 2, source: IPv4Address? = nil) -> [Outcome] {
        let arguments = ["ip", "netns", "exec", namespace, python, "-c", client, "\(address)", "\(port)", "\(count)", "\(timeout)"] + (source.map { ["\($0)"] } ?? [])
        guard let output = try? lab.runner.run(arguments), output.status == 0 else { return [] }
        return String(decoding: output.stdout, as: UTF8.self).split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ").map(String.init)
            guard parts.count == 3, let result = Outcome.Result(rawValue: parts[0]), let ms = Double(parts[2]) else { return nil }
            let answer = result == .ok ? parts[1].split(separator: "/").map(String.init) : []
            return Outcome(result: result, name: answer.first, peer: answer.count > 1 ? answer[1] : nil, milliseconds: ms)
        }
    }

    /// The names that answered, with how often.
    static func names(_ outcomes: [Outcome]) -> [String: Int] {
        outcomes.reduce(into: [:]) { counts, outcome in counts[outcome.name ?? outcome.result.rawValue, default: 0] += 1 }
    }
}
