import BerthClient
import BerthCore
import BerthLab
import BerthTesting
import Foundation
import Testing

/// A hostile container against its node's DNS forwarder (issue 18, "poison and starve the
/// node's DNS forwarder"), with the real agent: it keeps far more queries in flight than its
/// share (to names whose resolver never answers, so each holds its place until the forwarder's
/// timeout) and sprays forged answers for `web.service.berth` at every port of its gateway,
/// while a second container on the node resolves `web.service.berth` and must get the VIP
/// every time, never the forged address.
@Suite(.requiresRoot, .requires("ip", "nft", "bridge", "busybox", "timeout", "python3"), .serialized)
struct DNSForwarderAttackTests {
    /// Python shared by both scripts: the gateway from the namespace's routes, DNS queries and
    /// forged answers.
    static let common = #"""
    import os,random,socket,struct,sys,threading,time
    def gateway():
        for line in open('/proc/net/route').read().splitlines()[1:]:
            f=line.split()
            if f[1]=='00000000': return socket.inet_ntoa(struct.pack('<I',int(f[2],16)))
    gw=gateway()
    def wire(n): return b''.join(bytes([len(p)])+p.encode() for p in n.split('.'))+b'\0'
    def query(i,n): return struct.pack('>HHHHHH',i,0x0100,1,0,0,0)+wire(n)+b'\0\x01\0\x01'
    def forged(i,n): return struct.pack('>HHHHHH',i,0x8580,1,1,0,0)+wire(n)+b'\0\x01\0\x01'+b'\xc0\x0c'+struct.pack('>HHIH',1,1,300,4)+socket.inet_aton('6.6.6.6')
    """#

    /// Floods and sprays until the `stop` file exists; touches `ready` once the forwarder has
    /// refused it (its share is taken); prints what it sent and how many SERVFAILs it got.
    static let attacker = common + "\n" + #"""
    stop,ready=sys.argv[1],sys.argv[2]
    def spray():
        s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
        while not os.path.exists(stop):
            for port in range(1,65536):
                try: s.sendto(forged(random.randrange(65536),'web.service.berth'),(gw,port))
                except OSError: pass
    threading.Thread(target=spray,daemon=True).start()
    s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.setblocking(False)
    sent=servfail=0
    while not os.path.exists(stop):
        for _ in range(200):
            s.sendto(query(sent%65536,'n%d.outside.example'%sent),(gw,53)); sent+=1
        deadline=time.time()+0.05
        while time.time()<deadline:
            try: r=s.recv(4096)
            except BlockingIOError: time.sleep(0.005); continue
            if len(r)>=4 and r[3]&15==2: servfail+=1
        if servfail>0 and not os.path.exists(ready): open(ready,'w').close()
    print('sent=%d servfail=%d'%(sent,servfail),flush=True)
    """#

    /// Resolves `web.service.berth` 30 times (each try waits 2 s, three tries) and prints
    /// `answer RCODE ADDRESS` or `none` for each.
    static let victim = common + "\n" + #"""
    for _ in range(30):
        # Up to five tries of 2 s each (a stub resolver's patience: glibc's is 2 × 5 s), so a
        # machine loaded far beyond its cores does not pass for starvation.
        s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.settimeout(2)
        got=None
        for attempt in range(5):
            qid=random.randrange(65536)
            s.sendto(query(qid,'web.service.berth'),(gw,53))
            try:
                while got is None:
                    r=s.recv(4096)
                    if r[:2]==struct.pack('>H',qid): got=r
            except socket.timeout: continue
            break
        print('none' if got is None else 'answer %d %s'%(got[3]&15,socket.inet_ntoa(got[-4:])),flush=True)
    """#

    @Test func aContainerCanNeitherStarveNorPoisonItsNodesForwarder() async throws {
        try await LabCluster.with(nodes: 1, agents: false) { cluster in
            let n1 = cluster.lab.nodes[0]
            // The node's resolver is an address where nothing serves DNS: every outside name
            // the attacker asks holds its place in the forwarder until the timeout.
            try cluster.lab.setResolver(of: n1, nameserver: NetworkLab.outsideServer)
            _ = try cluster.startAgent(n1)
            try await cluster.waitUntilReady([n1])
            try await cluster.waitUntilNetworked([n1])
            try await cluster.service("web", ServiceSpec(
                replicas: 1,
                template: ContainerTemplate(image: "host", command: [LabWeb.busybox, "sleep", "3600"], resources: Resources(cpu: 100, memory: 64)),
                ports: [ServicePort(name: "http", port: 80, targetPort: LabWeb.port)]
            ))
            let vip = try #require(try await cluster.client.service("web").value.vip)
            // One container starting at a time (berth-init's seccomp cache is shared).
            try await eventually("web's replica runs") { try await cluster.runningContainers(service: "web").count == 1 }
            let attacker = try await cluster.running(try await cluster.run("attacker", on: n1, command: [LabWeb.busybox, "sleep", "3600"]).id)
            let victim = try await cluster.running(try await cluster.run("victim", on: n1, command: [LabWeb.busybox, "sleep", "3600"]).id)
            let python = try Tools.path("python3")

            // Before the attack the victim is answered (the forwarder is up).
            var before = ""
            do {
                try await eventually("the forwarder answers the victim", timeout: .seconds(30)) {
                    let output = try? await cluster.lab.runDetached(cluster.namespace(victim), ["timeout", "20", python, "-c", Self.victim])
                    before = output.map { String(decoding: $0.stdout, as: UTF8.self) + $0.stderr } ?? "(did not run)"
                    return before.contains("answer 0 \(vip)")
                }
            } catch {
                Issue.record("the victim's lookups before the attack: \(before)")
                throw error
            }

            let folder = try TemporaryFolder(prefix: "berth-dns-attack")
            let (stop, ready) = (folder.file("stop"), folder.file("ready"))
            // However the test ends, the attacker stops (the folder is removed only on success,
            // so the file stays for it to see).
            defer { _ = FileManager.default.createFile(atPath: stop, contents: nil) }
            async let attack = cluster.lab.runDetached(cluster.namespace(attacker), ["timeout", "500", python, "-c", Self.attacker, stop, ready])
            try await eventually("the forwarder refuses the attacker more than its share", timeout: .seconds(60)) {
                FileManager.default.fileExists(atPath: ready)
            }
            let answers = try await cluster.lab.runDetached(cluster.namespace(victim), ["timeout", "400", python, "-c", Self.victim])
            _ = FileManager.default.createFile(atPath: stop, contents: nil)
            let attacked = try await attack

            let lines = String(decoding: answers.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
            let report = String(decoding: attacked.stdout, as: UTF8.self)
            #expect(lines.count == 30 && lines.allSatisfy { $0 == "answer 0 \(vip)" }, "the victim got the VIP every time: \(lines); attacker \(report)")
            #expect(!lines.contains { $0.contains("6.6.6.6") }, "no forged answer reached the victim")
            let servfail = report.split(separator: " ").first { $0.hasPrefix("servfail=") }.flatMap { Int($0.dropFirst(9).trimmingCharacters(in: .whitespacesAndNewlines)) }
            #expect((servfail ?? 0) > 0, "the attacker was held to its share: \(report)")
            folder.remove()
        }
    }
}
