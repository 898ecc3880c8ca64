import BerthCore
import BerthHarness
import Foundation

/// Real TCP in the lab: a tiny server that answers every connection with the address it saw
/// the client come from (so masquerade is visible), and a client that reads that answer.
public enum TCPProbe {
    /// A probe that could not be set up (the lab's own error; the older name stays for callers).
    public typealias ProbeError = LabError

    static let server = """
    import socket,sys
    s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(64)
    while True:
        c,a=s.accept(); c.sendall(("peer=%s\\n" % a[0]).encode()); c.close()
    """

    static var python: String { Tools.find("python3") ?? "python3" }

    /// Starts a server bound to `address:port` in `namespace` and waits (bounded) until it answers.
    public static func serve(_ lab: NetworkLab, in namespace: String, at address: IPv4Address, port: Int) throws {
        _ = try lab.spawn(namespace, [python, "-c", server, "\(address)", "\(port)"])
        let ready = poll(timeout: 5) { fetch(lab, from: namespace, address, port) != nil }
        if !ready { throw LabError("server at \(address):\(port) in \(namespace) did not start") }
    }

    /// The address the server at `address:port` saw us come from, or nil if it cannot be reached.
    public static func fetch(_ lab: NetworkLab, from namespace: String, _ address: IPv4Address, _ port: Int) -> String? {
        guard let output = try? lab.run(namespace, ["busybox", "nc", "-w", "2", "\(address)", "\(port)"]),
              output.status == 0 else { return nil }
        let text = String(decoding: output.stdout, as: UTF8.self)
        guard text.hasPrefix("peer=") else { return nil }
        return String(text.dropFirst(5).prefix { $0 != "\n" })
    }

    /// Polls `condition` every 20 ms until it holds or `timeout` seconds pass (for synchronous
    /// callers; async ones use `eventually`).
    public static func poll(timeout: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }
}
