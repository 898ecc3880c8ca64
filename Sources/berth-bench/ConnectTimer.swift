import BerthCore
import BerthHarness
import BerthLab
import Foundation

/// Times TCP connection setup (SYN out to established) in a lab namespace: many connects in one
/// python process, each closed with a reset (SO_LINGER 0) so no TIME_WAIT piles up, against a
/// server that only accepts and closes. Through a VIP, each connect is the first packet of a
/// new connection, the one the NAT rules are evaluated for.
enum ConnectTimer {
    static let server = """
    import socket,sys
    s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1024)
    while True:
        try: c,a=s.accept(); c.close()
        except OSError: pass
    """

    /// Prints the median and p90 in microseconds.
    static let client = """
    import socket,sys,time
    host,port,count=sys.argv[1],int(sys.argv[2]),int(sys.argv[3]); xs=[]
    for i in range(count):
        s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b'\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00')
        s.settimeout(2)
        t=time.perf_counter(); s.connect((host,port)); xs.append((time.perf_counter()-t)*1e6); s.close()
    xs.sort(); print("%.1f %.1f" % (xs[len(xs)//2], xs[int(len(xs)*0.9)]))
    """

    struct Timing {
        var median: Double
        var p90: Double
    }

    /// Starts the accept-and-close server at `address:port` in `namespace`; waits (bounded) until it answers.
    static func serve(_ lab: NetworkLab, in namespace: String, at address: IPv4Address, port: Int) throws {
        let python = try Tools.path("python3")
        try lab.spawn(namespace, [python, "-c", server, "\(address)", "\(port)"])
        let ready = TCPProbe.poll(timeout: 5) { (try? time(lab, from: namespace, to: address, port: port, count: 1)) != nil }
        if !ready { throw BenchError("the connect server at \(address):\(port) in \(namespace) did not start") }
    }

    /// `count` connects from `namespace` to `address:port`.
    static func time(_ lab: NetworkLab, from namespace: String, to address: IPv4Address, port: Int, count: Int) throws -> Timing {
        let output = try lab.exec(namespace, [try Tools.path("python3"), "-c", client, "\(address)", "\(port)", "\(count)"])
        let parts = String(decoding: output.stdout, as: UTF8.self).split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
        guard parts.count == 2 else { throw BenchError("the connect timer printed \(String(decoding: output.stdout, as: UTF8.self))") }
        return Timing(median: parts[0], p90: parts[1])
    }
}
