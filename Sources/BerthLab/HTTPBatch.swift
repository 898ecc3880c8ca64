import BerthHarness
import Foundation

/// Many HTTP GETs in a row from one namespace, made by one python process, each reported with
/// how it ended and how long it took. A service VIP's claims are about single connections (which
/// target each one reaches, that a refusal is immediate, that none fails while an agent
/// restarts), and a process per connection (`LabCluster.http`) costs more than what is measured;
/// busybox `wget` also cannot tell a refusal from a timeout.
///
/// The servers are `LabWeb`'s: each answers its container's id, which is the `body` here.
public enum HTTPBatch {
    /// One connection: its result, the body (`ok` only), its duration and when it began (the
    /// wall clock, which the test's own `Date()`s compare with).
    public struct Outcome: Sendable, Hashable, CustomStringConvertible {
        public enum Result: String, Sendable {
            case ok, refused, unreachable, timeout, error
        }

        public var result: Result
        public var body: String?
        public var milliseconds: Double
        public var at: Date

        public var description: String { "\(result.rawValue)\(body.map { " \($0)" } ?? "") \(milliseconds) ms at \(at.timeIntervalSince1970)" }
    }

    static let client = """
    import errno,os,socket,sys,time
    host,port,count,timeout,pause=sys.argv[1],int(sys.argv[2]),int(sys.argv[3]),float(sys.argv[4]),float(sys.argv[5])
    stop=sys.argv[6] if len(sys.argv)>6 else None
    for i in range(count):
        if stop and os.path.exists(stop): break
        began=time.time(); t=time.monotonic(); s=socket.socket(); s.settimeout(timeout)
        try:
            s.connect((host,port)); s.sendall(b"GET / HTTP/1.0\\r\\n\\r\\n"); data=b""
            while True:
                chunk=s.recv(4096)
                if not chunk: break
                data+=chunk
            body=data.split(b"\\r\\n\\r\\n",1)[-1].decode(errors="replace").strip().replace(" ","_") or "-"
            result="ok %s" % body
        except ConnectionRefusedError: result="refused -"
        except (socket.timeout, TimeoutError): result="timeout -"
        except OSError as e: result=("unreachable -" if e.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH) else "error %s" % type(e).__name__)
        finally: s.close()
        print("%s %.2f %.6f" % (result, (time.monotonic()-t)*1000, began), flush=True)
        if stop and i == min(9, count - 1): open(stop + ".begun", "w").close()
        if pause > 0: time.sleep(pause)
    """

    /// `count` connections to `address:port` from `namespace`, one after another, `pause`
    /// seconds apart, each given at most `timeout` seconds; with `stopFile`, the batch ends
    /// early once that file exists (a probe that runs while a test does something else), and
    /// `<stopFile>.begun` appears once its first ten connections are done.
    public static func get(
        _ lab: NetworkLab, from namespace: String, _ address: String, port: Int, count: Int,
        timeout: Double = 2, pause: Double = 0, stopFile: String? = nil
    ) async throws -> [Outcome] {
        let python = try Tools.path("python3")
        let arguments = [python, "-c", client, address, "\(port)", "\(count)", "\(timeout)", "\(pause)"] + (stopFile.map { [$0] } ?? [])
        let output = try await lab.runDetached(namespace, arguments)
        guard output.status == 0 else {
            throw LabError("the HTTP batch from \(namespace) to \(address):\(port) failed (\(output.status)): \(output.stderr.suffix(500))")
        }
        return String(decoding: output.stdout, as: UTF8.self).split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ").map(String.init)
            guard parts.count == 4, let result = Outcome.Result(rawValue: parts[0]),
                  let milliseconds = Double(parts[2]), let at = Double(parts[3]) else { return nil }
            return Outcome(result: result, body: result == .ok ? parts[1] : nil, milliseconds: milliseconds, at: Date(timeIntervalSince1970: at))
        }
    }

    /// Batches of `size` connections until one batch is whole and satisfies `done`, bounded by
    /// `timeout`; every outcome on the way, in order (what was seen while the data plane changed).
    public static func until(
        _ what: String, _ lab: NetworkLab, from namespace: String, _ address: String, port: Int, size: Int = 9,
        timeout: Duration = .seconds(5), connectTimeout: Double = 1, _ done: ([Outcome]) -> Bool
    ) async throws -> [Outcome] {
        var all: [Outcome] = []
        try await eventually(what, timeout: timeout, poll: .milliseconds(10)) {
            let batch = try await get(lab, from: namespace, address, port: port, count: size, timeout: connectTimeout)
            all += batch
            return batch.count == size && done(batch)
        }
        return all
    }

    /// Connects every `pause` seconds (each connection given at most a second) from the moment
    /// before `body` runs until it returns: what the clients of a VIP saw while something
    /// changed. The probe stops through a file in `folder`, and after 5,000 connections anyway.
    public static func during<T>(
        _ lab: NetworkLab, from namespace: String, _ address: String, port: Int, folder: TemporaryFolder, pause: Double = 0.01,
        _ body: () async throws -> T
    ) async throws -> (result: T, outcomes: [Outcome]) {
        let stop = folder.file("probe-\(UUID().uuidString)")
        async let outcomes = get(lab, from: namespace, address, port: port, count: 5000, timeout: 1, pause: pause, stopFile: stop)
        let result: T
        do {
            try await eventually("the background probe from \(namespace) has begun") { FileManager.default.fileExists(atPath: stop + ".begun") }
            result = try await body()
        } catch {
            _ = FileManager.default.createFile(atPath: stop, contents: nil)
            _ = try? await outcomes
            throw error
        }
        _ = FileManager.default.createFile(atPath: stop, contents: nil)
        return (result, try await outcomes)
    }

    /// How many connections each body (or failure) got.
    public static func counts(_ outcomes: [Outcome]) -> [String: Int] {
        outcomes.reduce(into: [:]) { counts, outcome in counts[outcome.body ?? outcome.result.rawValue, default: 0] += 1 }
    }
}
