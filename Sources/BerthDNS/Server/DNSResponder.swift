import BerthDNSWire
import Dispatch
import Synchronization

/// Turns one DNS message into its response, whatever transport carried it: parse, look the
/// question up in the `DNSAnswerTable`, copy the encoded answer behind the client's header
/// and question. No I/O, so the tests (and the fuzzer) call it directly with any bytes.
///
/// What it answers:
/// - FORMERR for a malformed query, NOTIMP for an opcode other than QUERY (header only), and
///   nothing for a message under 12 bytes or a response (QR=1: answering could start a loop).
/// - BADVERS for an EDNS version above 0 (RFC 6891 6.1.3); REFUSED for a class other than IN,
///   a name outside the zone (Berth is no recursive resolver) and zone transfers.
/// - The pre-encoded answer, cut to the client's UDP size with TC set when answer records had
///   to go (the full answer over TCP); NODATA or NXDOMAIN with the SOA in authority.
public final class DNSResponder: Sendable {
    public enum Transport: Sendable {
        case udp
        case tcp
    }

    public let zone: DNSZone
    public let table: DNSAnswerTable
    public let metrics: DNSMetrics
    /// Where the next rotated (`dnsrr`) answer starts: one counter for every socket and thread,
    /// so consecutive answers rotate whichever socket the kernel hands a client to.
    private let rotation = Atomic<Int>(0)

    public init(zone: DNSZone, table: DNSAnswerTable, metrics: DNSMetrics = DNSMetrics()) {
        self.zone = zone
        self.table = table
        self.metrics = metrics
    }

    /// Per-connection (or per-socket) state: the metrics handles already used. One per thread;
    /// never shared.
    public struct Session {
        var recorder: DNSMetrics.Recorder

        public init(metrics: DNSMetrics) { recorder = DNSMetrics.Recorder(metrics) }
    }

    /// Appends the response to `message` to `out` and returns true, or returns false when the
    /// message gets no response at all.
    @discardableResult
    public func respond(
        to message: UnsafeRawBufferPointer, over transport: Transport, session: inout Session, into out: inout [UInt8]
    ) -> Bool {
        let start = DispatchTime.now().uptimeNanoseconds
        let query: DNSQuery
        do {
            query = try DNSQuery.parse(message)
        } catch {
            let answered = error.writeResponse(into: &out)
            let rcode: DNSRCode? = if case .respond(let code) = error.disposition { code } else { nil }
            session.recorder.record(type: nil, rcode: answered ? rcode : nil, nanoseconds: elapsed(since: start))
            return answered
        }
        let rcode = answer(query, over: transport, into: &out)
        session.recorder.record(type: query.type, rcode: rcode, nanoseconds: elapsed(since: start))
        return true
    }

    /// Writes the response to a parsed query and returns its RCODE.
    private func answer(_ query: DNSQuery, over transport: Transport, into out: inout [UInt8]) -> DNSRCode {
        if let edns = query.edns, edns.version > 0 { return refuse(query, .badVersion, into: &out) }
        guard query.dnsClass == .internet || query.dnsClass == .any,
              query.name.isSubdomain(of: zone.config.domain),
              query.type != .axfr, query.type != .ixfr else { return refuse(query, .refused, into: &out) }
        let limit = transport == .udp ? query.udpResponseLimit : DNSMessage.maxSize
        // The common case is answered under the table's lock (a copy of cached bytes, without
        // taking references to them); negative answers, encoded per query, after it.
        let outcome: DNSAnswerTable.Written
        let base = out.count
        do {
            outcome = try table.write(
                respondingTo: query, maxSize: limit, rotation: { self.rotation.wrappingAdd(1, ordering: .relaxed).oldValue }, into: &out
            )
        } catch {
            // (Writing checks before it appends; should that change, drop any part written.)
            out.removeSubrange(base...)
            return refuse(query, .serverFailure, into: &out)
        }
        switch outcome {
        case .written(let rcode):
            return rcode
        case .noData(let soa):
            if query.type == .any { return write(query, .noError, answers: [zone.anyAnswer(query.name)], limit: limit, into: &out) }
            return write(query, .noError, authority: [soa], limit: limit, into: &out)
        case .nameError(let soa):
            return write(query, .nameError, authority: [soa], limit: limit, into: &out)
        }
    }

    /// A response encoded for this query alone: the negative answers (their SOA compresses
    /// against the asker's name, which is anything) and ANY.
    private func write(
        _ query: DNSQuery, _ rcode: DNSRCode, answers: [DNSRecord] = [], authority: [DNSRecord] = [], limit: Int,
        into out: inout [UInt8]
    ) -> DNSRCode {
        do {
            let encoded = try DNSEncodedAnswer(question: query.question, rcode: rcode, answers: answers, authority: authority)
            try encoded.write(respondingTo: query, maxSize: limit, into: &out)
            return rcode
        } catch {
            return refuse(query, .serverFailure, into: &out)
        }
    }

    /// A header-and-question response with no records.
    private func refuse(_ query: DNSQuery, _ rcode: DNSRCode, into out: inout [UInt8]) -> DNSRCode {
        query.writeResponse(rcode: rcode, authoritative: rcode == .badVersion, into: &out)
        return rcode
    }

    @inline(__always)
    private func elapsed(since start: UInt64) -> Int64 {
        Int64(truncatingIfNeeded: DispatchTime.now().uptimeNanoseconds &- start)
    }
}
