import BerthCore
import BerthLab
@testable import BerthNetwork
import BerthTesting
import Foundation
import Testing

/// A UDP client that keeps its socket moves to another target when its target leaves the
/// service: conntrack would otherwise keep DNATing its datagrams to the old one (still running
/// here, so it would still answer) until the entry timed out.
@Suite(.heavy, .serialized, .enabled(if: RequiredTools.available))
struct ServiceProxyUDPTests {
    typealias R = ServiceRules
    static let vip = IPv4Address("198.19.143.53")!

    /// Answers every datagram on address:port with `name`; prints `ready` once bound.
    static let server = """
    import socket,sys
    s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[2], int(sys.argv[3])))
    print("ready", flush=True)
    while True:
        data,peer=s.recvfrom(512); s.sendto(sys.argv[1].encode(), peer)
    """

    /// One socket: asks once and prints the answer, waits (bounded) for the file `go`, asks again
    /// from the same socket and prints that answer.
    static let client = """
    import os,socket,sys,time
    s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(10); s.connect((sys.argv[1], int(sys.argv[2])))
    def ask():
        s.send(b"?")
        try: print(s.recv(512).decode(), flush=True)
        except OSError as e: print("error %s" % e, flush=True)
    ask()
    deadline=time.monotonic()+30
    while not os.path.exists(sys.argv[3]) and time.monotonic()<deadline: time.sleep(0.01)
    ask()
    """

    static func service(_ targets: [IPv4Address]) -> R.Input {
        R.Input(services: [R.Service(name: "dns", vip: vip, ports: [R.Port(port: 53, proto: .udp, targetPort: 5353, targetIPs: targets)])])
    }

    @Test func aClientKeepingItsSocketMovesWhenItsTargetLeaves() throws {
        try RequiredTools.require(RequiredTools.live + ["conntrack"])
        try ServiceLab.with(nodes: 1) { lab in
            let a = try lab.container("a", host: 21, onNode: 0, ports: [])
            let b = try lab.container("b", host: 22, onNode: 0, ports: [])
            let client = try lab.container("client", host: 23, onNode: 0, ports: [])
            let folder = try TemporaryFolder(prefix: "berth-udp")
            defer { folder.remove() }
            // Both servers are bound before the client's first datagram: a slow interpreter
            // start would otherwise answer it with "connection refused".
            for (name, c) in [("a", a), ("b", b)] {
                let ready = folder.file("\(name).log")
                try lab.lab.spawn(c.namespace, [ServiceProbe.python, "-c", Self.server, name, "\(c.address)", "5353"], log: ready)
                #expect(TCPProbe.poll(timeout: 60) { ((try? String(contentsOfFile: ready, encoding: .utf8)) ?? "").contains("ready") }, "\(name) is bound")
            }
            let proxy = lab.proxies[0]
            try proxy.update(Self.service([a.address]))

            let log = folder.file("client.log"), go = folder.file("go")
            try lab.lab.spawn(client.namespace, [ServiceProbe.python, "-c", Self.client, "\(Self.vip)", "53", go], log: log)
            func answers() -> [String] { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }
            #expect(TCPProbe.poll(timeout: 60) { answers().count == 1 }, "the first answer: \(answers())")
            #expect(answers().first == "a")

            // a leaves the service (it keeps running and answering at its own address).
            let report = try proxy.update(Self.service([b.address]))
            #expect(report.staleFlows == [StaleUDPFlow(vip: Self.vip, port: 53, target: a.address)])
            #expect(proxy.statistics.staleFlowsCleared == 1 && proxy.statistics.staleFlowFailures == 0, "\(proxy.statistics)")
            #expect(FileManager.default.createFile(atPath: go, contents: nil))
            #expect(TCPProbe.poll(timeout: 60) { answers().count == 2 }, "the second answer: \(answers())")
            #expect(answers().last == "b", "the same socket's next datagram goes to the target left: \(answers())")
        }
    }

    /// The agent was down while the client's target left: the restarted agent's proxy, whose
    /// first update finds a in the kernel's table, clears a's flows all the same.
    @Test func aRestartedProxyClearsTheFlowsOfATargetThatLeftWhileItWasDown() throws {
        try RequiredTools.require(RequiredTools.live + ["conntrack"])
        try ServiceLab.with(nodes: 1) { lab in
            let a = try lab.container("a", host: 21, onNode: 0, ports: [])
            let b = try lab.container("b", host: 22, onNode: 0, ports: [])
            let client = try lab.container("client", host: 23, onNode: 0, ports: [])
            let folder = try TemporaryFolder(prefix: "berth-udp-restart")
            defer { folder.remove() }
            for (name, c) in [("a", a), ("b", b)] {
                let ready = folder.file("\(name).log")
                try lab.lab.spawn(c.namespace, [ServiceProbe.python, "-c", Self.server, name, "\(c.address)", "5353"], log: ready)
                #expect(TCPProbe.poll(timeout: 60) { ((try? String(contentsOfFile: ready, encoding: .utf8)) ?? "").contains("ready") }, "\(name) is bound")
            }
            try lab.proxies[0].update(Self.service([a.address]))

            let log = folder.file("client.log"), go = folder.file("go")
            try lab.lab.spawn(client.namespace, [ServiceProbe.python, "-c", Self.client, "\(Self.vip)", "53", go], log: log)
            func answers() -> [String] { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }
            #expect(TCPProbe.poll(timeout: 60) { answers().count == 1 }, "the first answer: \(answers())")
            #expect(answers().first == "a")

            // A new proxy (the restarted agent's) knows nothing of a; its first update has b only.
            let restarted = ServiceProxy(executor: lab.proxies[0].executor)
            let report = try restarted.update(Self.service([b.address]))
            #expect(report.fullResync)
            #expect(report.staleFlows == [StaleUDPFlow(vip: Self.vip, port: 53, target: a.address)])
            #expect(restarted.statistics.staleFlowsCleared == 1, "\(restarted.statistics)")
            #expect(FileManager.default.createFile(atPath: go, contents: nil))
            #expect(TCPProbe.poll(timeout: 60) { answers().count == 2 }, "the second answer: \(answers())")
            #expect(answers().last == "b", "the same socket's next datagram goes to the target left: \(answers())")
        }
    }
}
