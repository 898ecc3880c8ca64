import BerthDNSWire
import Synchronization

/// Every name of the zone with its encoded answers, shared by the server's threads: a lookup is
/// one hash of the question name under a lock held for a dictionary probe. The zone updater
/// replaces the entries a commit touched, all of one batch under one lock, so a reader sees a
/// batch whole or not at all.
public final class DNSAnswerTable: Sendable {
    /// What a question finds.
    public enum Lookup: Sendable {
        /// Records of the asked type; `rotates` for a `dnsrr` A answer.
        case answer(DNSEncodedAnswer, rotates: Bool)
        /// The name exists without records of the type: NODATA (or, for ANY, RFC 8482's answer).
        case noData(soa: DNSRecord)
        /// No such name in the zone: NXDOMAIN.
        case nameError(soa: DNSRecord)
    }

    private struct Storage {
        var names: [DNSName: DNSNameAnswers] = [:]
        var soa: DNSRecord
    }

    private let storage: Mutex<Storage>

    public init(soa: DNSRecord) {
        storage = Mutex(Storage(soa: soa))
    }

    /// A table holding every name of `state`, encoded.
    public convenience init(zone: DNSZone, state: DNSZoneState) {
        let serial = UInt32(truncatingIfNeeded: state.index)
        self.init(soa: zone.config.soa(serial: serial))
        apply(zone.encode(zone.names(in: state), in: state), soa: zone.config.soa(serial: serial))
    }

    /// What a question finds (lowercased or not: names compare ignoring ASCII case).
    public func lookup(_ name: DNSName, type: DNSType) -> Lookup {
        storage.withLock { storage in
            guard let entry = storage.names[name] else { return .nameError(soa: storage.soa) }
            if let answer = entry.answer(for: type) { return .answer(answer, rotates: type == .a && entry.rotatesA) }
            return .noData(soa: storage.soa)
        }
    }

    /// The server's lookup: under the table's lock, writes the cached answer for the query to
    /// `out` and returns its RCODE (`.written`), or says that the name has no records of the
    /// type, or does not exist. Copies bytes, takes no reference to them.
    @inline(__always)
    func write(
        respondingTo query: DNSQuery, maxSize: Int, rotation: () -> Int, into out: inout [UInt8]
    ) throws(DNSWireError) -> Written {
        try storage.withLock { storage throws(DNSWireError) -> Written in
            guard let entry = storage.names[query.name] else { return .nameError(soa: storage.soa) }
            guard let rcode = try entry.write(respondingTo: query, maxSize: maxSize, rotation: rotation, into: &out) else {
                return .noData(soa: storage.soa)
            }
            return .written(rcode)
        }
    }

    enum Written {
        case written(DNSRCode)
        case noData(soa: DNSRecord)
        case nameError(soa: DNSRecord)
    }

    /// Installs a batch: each name's new answers, or nil to remove it; and the SOA the negative
    /// answers carry from now on.
    public func apply(_ changes: [(DNSName, DNSNameAnswers?)], soa: DNSRecord) {
        storage.withLock { storage in
            storage.names.reserveCapacity(storage.names.count + changes.count)
            for (name, answers) in changes { storage.names[name] = answers }
            storage.soa = soa
        }
    }

    /// How many names the zone holds.
    public var count: Int { storage.withLock { $0.names.count } }

    /// The SOA record now.
    public var soa: DNSRecord { storage.withLock { $0.soa } }
}
