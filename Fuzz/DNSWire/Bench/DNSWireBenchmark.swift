// Times the server's hot path on one core: parse a query (DNSQuery.parse), look its (name, type)
// up in a dictionary of pre-encoded answers, write the response into a reused buffer. No sockets:
// this is the codec's share of answering, to compare against a whole server's rate (unbound
// serves about 140,000 queries a second on one core of the build machine).
//
// Run: scripts/fuzz-dns --bench [QUERIES]   (or `swift run -c release dnswire-bench` in a package
// that has this file as an executable target depending on BerthDNSWire).
import BerthDNSWire

@main
struct DNSWireBenchmark {
    struct Key: Hashable {
        var name: DNSName
        var type: DNSType
    }

    static func main() throws {
        let total = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 2_000_000
        let zone = try makeZone()
        let queries = try makeQueries()
        print("queries: \(queries.count) distinct packets (\(zone.count) answers), \(total) per run")

        for run in 1...3 {
            let clock = ContinuousClock()
            var out: [UInt8] = []
            out.reserveCapacity(1232)
            var bytes = 0
            var failures = 0
            let elapsed = clock.measure {
                for index in 0..<total {
                    queries[index & (queries.count - 1)].withUnsafeBytes { packet in
                        out.removeAll(keepingCapacity: true)
                        do {
                            let query = try DNSQuery.parse(packet)
                            if let answer = zone[Key(name: query.name, type: query.type)] {
                                bytes &+= try answer.write(respondingTo: query, maxSize: query.udpResponseLimit, into: &out)
                            } else {
                                query.writeResponse(rcode: .refused, into: &out)
                            }
                        } catch {
                            failures += 1
                        }
                    }
                }
            }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let rate = Double(total) / seconds
            print("run \(run): \(Int(rate)) queries/s parsed + answered (\(Int(seconds * 1e9 / Double(total))) ns each), \(bytes / total) bytes/answer, \(failures) failures")
        }

        // Parse alone, for the split.
        let clock = ContinuousClock()
        var sink = 0
        let elapsed = clock.measure {
            for index in 0..<total {
                queries[index & (queries.count - 1)].withUnsafeBytes { packet in
                    if let query = try? DNSQuery.parse(packet) { sink &+= Int(query.id) }
                }
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("parse only: \(Int(Double(total) / seconds)) queries/s (checksum \(sink & 0xFF))")
    }

    /// A, AAAA and SRV answers for 16 services, and NXDOMAIN for one name.
    static func makeZone() throws -> [Key: DNSEncodedAnswer] {
        var zone: [Key: DNSEncodedAnswer] = [:]
        let soa = DNSRecord(name: try DNSName("berth"), ttl: 60, data: .soa(DNSSOA(
            primary: try DNSName("ns1.berth"), mailbox: try DNSName("hostmaster.berth"), serial: 1,
            refresh: 3600, retry: 600, expire: 86400, minimum: 30)))
        for service in 0..<16 {
            let name = try DNSName("svc\(service).service.berth")
            let srvName = try DNSName("_http._tcp.svc\(service).service.berth")
            let targets = try (0..<3).map { try DNSName("c\(service)-\($0).container.berth") }
            zone[Key(name: name, type: .a)] = try DNSEncodedAnswer(
                question: DNSQuestion(name: name, type: .a),
                answers: (0..<3).map { DNSRecord(name: name, ttl: 30, data: .a(DNSIPv4Address(198, 18, UInt8(service), UInt8($0)))) })
            zone[Key(name: name, type: .aaaa)] = try DNSEncodedAnswer(
                question: DNSQuestion(name: name, type: .aaaa), answers: [], authority: [soa])
            zone[Key(name: srvName, type: .srv)] = try DNSEncodedAnswer(
                question: DNSQuestion(name: srvName, type: .srv),
                answers: targets.map { DNSRecord(name: srvName, ttl: 30, data: .srv(DNSSRV(priority: 0, weight: 10, port: 8080, target: $0))) },
                additional: targets.enumerated().map { DNSRecord(name: $1, ttl: 30, data: .a(DNSIPv4Address(198, 18, 1, UInt8($0)))) })
        }
        return zone
    }

    /// 256 query packets as dig sends them (RD, AD, EDNS 1232 with an 8-byte COOKIE), mixed case
    /// and types, a few for names outside the zone.
    static func makeQueries() throws -> [[UInt8]] {
        try (0..<256).map { index in
            let service = index % 16
            let (text, type): (String, DNSType) = switch index % 8 {
            case 0, 1, 2: ("svc\(service).service.berth", .a)
            case 3: ("SVC\(service).Service.Berth", .a)
            case 4: ("svc\(service).service.berth", .aaaa)
            case 5, 6: ("_http._tcp.svc\(service).service.berth", .srv)
            default: ("nothing\(index).example", .a)
            }
            var header = DNSHeader(id: UInt16(index * 257 & 0xFFFF), isResponse: false, recursionDesired: true)
            header.authenticData = true
            let message = DNSMessage(
                header: header, questions: [DNSQuestion(name: try DNSName(text), type: type)],
                edns: DNSEDNS(udpPayloadSize: 1232, options: [DNSEDNS.Option(code: 10, data: [1, 2, 3, 4, 5, 6, 7, 8])]))
            return try message.encode()
        }
    }
}
