import BerthLab
import BerthTesting
import Foundation

/// Small python3 programs run with `ip netns exec` in a container's (or a node's) namespace,
/// for the attack tests: a container has NET_RAW, so whatever a raw socket sends from its
/// namespace is what a hostile container can send.
enum PacketTools {
    /// Prints a line per distinct marker seen on `iface` (AF_PACKET, every frame in or out):
    /// `udp` mode the text from `MARK-` to the end of a UDP payload, `arp` mode `arp <sender MAC>`
    /// for each ARP frame whose sender address is `arg`. Touches `ready` once listening.
    static let sniffer = #"""
    import socket,sys
    iface,mode,arg,ready=sys.argv[1],sys.argv[2],sys.argv[3],sys.argv[4]
    s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW,socket.htons(3)); s.bind((iface,0))
    open(ready,"w").close(); seen=set()
    while True:
        f=s.recv(65535)
        if mode=="udp":
            i=f.find(b"MARK-")
            if i<0: continue
            tag=f[i:].split(b"\n")[0].decode(errors="replace")
        else:
            if f[12:14]!=b"\x08\x06" or socket.inet_ntoa(f[28:32])!=arg: continue
            tag="arp "+":".join("%02x"%b for b in f[22:28])
        if tag not in seen: seen.add(tag); print(tag,flush=True)
    """#

    /// Sends `count` UDP datagrams `payload` to `dst:port`; with a source other than `-`, through a
    /// raw socket with that forged source (IP_HDRINCL).
    static let udpSender = #"""
    import socket,struct,sys
    src,dst,port,payload,count=sys.argv[1],sys.argv[2],int(sys.argv[3]),sys.argv[4].encode(),int(sys.argv[5])
    def csum(b):
        if len(b)%2: b+=b"\0"
        s=sum(struct.unpack("!%dH"%(len(b)//2),b)); s=(s>>16)+(s&0xffff); s+=s>>16; return ~s&0xffff
    if src=="-":
        s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
        for i in range(count): s.sendto(payload,(dst,port))
        sys.exit(0)
    udp=struct.pack("!HHHH",40000,port,8+len(payload),0)+payload
    pseudo=socket.inet_aton(src)+socket.inet_aton(dst)+struct.pack("!BBH",0,17,len(udp))
    udp=udp[:6]+struct.pack("!H",csum(pseudo+udp) or 0xffff)+udp[8:]
    ip=struct.pack("!BBHHHBBH4s4s",0x45,0,20+len(udp),0,0,64,17,0,socket.inet_aton(src),socket.inet_aton(dst))
    ip=ip[:10]+struct.pack("!H",csum(ip))+ip[12:]
    s=socket.socket(socket.AF_INET,socket.SOCK_RAW,socket.IPPROTO_RAW)
    for i in range(count): s.sendto(ip+udp,(dst,0))
    """#

    /// A VXLAN packet (VNI `vni`) to `node:port` whose inner frame (to `mac`, the node's VTEP MAC)
    /// carries a UDP datagram from `innerSrc` to `innerDst` with `payload`: what an outside host
    /// on the underlay can forge.
    static let vxlanSender = #"""
    import socket,struct,sys
    node,port,vni,mac,src,dst,payload=sys.argv[1],int(sys.argv[2]),int(sys.argv[3]),sys.argv[4],sys.argv[5],sys.argv[6],sys.argv[7].encode()
    def csum(b):
        if len(b)%2: b+=b"\0"
        s=sum(struct.unpack("!%dH"%(len(b)//2),b)); s=(s>>16)+(s&0xffff); s+=s>>16; return ~s&0xffff
    udp=struct.pack("!HHHH",40000,9999,8+len(payload),0)+payload
    ip=struct.pack("!BBHHHBBH4s4s",0x45,0,20+len(udp),0,0,64,17,0,socket.inet_aton(src),socket.inet_aton(dst))
    ip=ip[:10]+struct.pack("!H",csum(ip))+ip[12:]
    frame=bytes.fromhex(mac.replace(":",""))+bytes.fromhex("020000000001")+b"\x08\x00"+ip+udp
    packet=struct.pack("!II",0x08000000,vni<<8)+frame
    s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
    for i in range(3): s.sendto(packet,(node,port))
    """#

    /// Three gratuitous ARP replies on `iface` claiming `address` for `mac` (broadcast).
    static let arpSender = #"""
    import socket,struct,sys
    iface,address,mac=sys.argv[1],sys.argv[2],bytes.fromhex(sys.argv[3].replace(":",""))
    s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW); s.bind((iface,0))
    b=b"\xff"*6; a=socket.inet_aton(address)
    for i in range(3): s.send(b+mac+b"\x08\x06"+struct.pack("!HHBBH",1,0x0800,6,4,2)+mac+a+b+a)
    """#

    /// A TCP listener on `address:port` that answers every connection `hello` and closes.
    static let listener = #"""
    import socket,sys
    s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1); s.bind((sys.argv[1],int(sys.argv[2]))); s.listen(16)
    while True:
        c,_=s.accept(); c.settimeout(2)
        try: c.recv(1024)
        except OSError: pass
        c.sendall(b"hello\n"); c.close()
    """#

    /// One DNS query (type A for `name`) over UDP to `server:53`; prints the reply's rcode, or
    /// `none` after two seconds.
    static let dnsQuery = #"""
    import socket,struct,sys
    q=struct.pack("!HHHHHH",0x4242,0x0100,1,0,0,0)+b"".join(bytes([len(p)])+p.encode() for p in sys.argv[2].strip(".").split("."))+b"\0"+struct.pack("!HH",1,1)
    s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.settimeout(2)
    try:
        s.sendto(q,(sys.argv[1],53)); r=s.recv(4096); print("rcode %d" % (r[3]&15))
    except OSError: print("none")
    """#

    static var python: String { get throws { try Tools.path("python3") } }

    /// A sniffer started in `namespace` (killed by `stop` or the lab's teardown), ready once
    /// this returns; what it saw is in `log`.
    struct Sniffer {
        let pid: pid_t
        let log: String

        var seen: [String] {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
    }

    static func sniff(_ cluster: LabCluster, in namespace: String, iface: String = "eth0", mode: String = "udp", arg: String = "-", name: String) async throws -> Sniffer {
        let log = cluster.folder.file("sniff-\(name).log"), ready = cluster.folder.file("sniff-\(name).ready")
        let pid = try cluster.lab.spawn(namespace, [try python, "-c", sniffer, iface, mode, arg, ready], log: log)
        try await eventually("the \(name) sniffer listens", timeout: .seconds(20)) { FileManager.default.fileExists(atPath: ready) }
        return Sniffer(pid: pid, log: log)
    }

    /// Runs one of the senders in `namespace`; throws when it fails.
    static func send(_ cluster: LabCluster, from namespace: String, _ program: String, _ arguments: [String]) async throws {
        let output = try await cluster.lab.runDetached(namespace, [try python, "-c", program] + arguments)
        guard output.status == 0 else { throw LabError("sender in \(namespace) failed: \(output.stderr)") }
    }

    /// A namespace's `eth0` MAC (`link/ether …`).
    static func mac(_ cluster: LabCluster, _ namespace: String, _ link: String = "eth0") throws -> String {
        let text = String(decoding: try cluster.lab.runner.check(["ip", "-n", namespace, "-o", "link", "show", link]).stdout, as: UTF8.self)
        guard let range = text.range(of: "link/ether ") else { throw LabError("\(link) in \(namespace) has no MAC") }
        return String(text[range.upperBound...].prefix(17))
    }

    /// The MAC a namespace's neighbour table holds for `address` on `device` (nil: none).
    static func neighbour(_ cluster: LabCluster, _ namespace: String, _ address: String, device: String) -> String? {
        guard let output = try? cluster.lab.runner.run(["ip", "-n", namespace, "neigh", "show", address, "dev", device]), output.status == 0 else { return nil }
        let words = String(decoding: output.stdout, as: UTF8.self).split(separator: " ")
        guard let index = words.firstIndex(of: "lladdr"), index + 1 < words.count else { return nil }
        return String(words[index + 1])
    }
}
