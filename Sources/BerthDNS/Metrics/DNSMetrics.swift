import BerthDNSWire
import Metrics
import Synchronization

/// `berth_dns_queries_total{type,rcode}` and `berth_dns_answer_duration_seconds` (parse to
/// response written, excluding the socket). Labels stay bounded: types outside a fixed list
/// count as `other`, a message with no readable question as `none`, and a dropped message has
/// rcode `dropped`.
public final class DNSMetrics: Sendable {
    /// The timer's label, and the buckets it needs (the default ones start at 5 ms; answers take
    /// microseconds): pass them to `PrometheusMetricsFactory.durationHistogramBuckets`.
    public static let durationLabel = "berth_dns_answer_duration_seconds"
    public static let durationBuckets: [Duration] = [
        .microseconds(2), .microseconds(5), .microseconds(10), .microseconds(25), .microseconds(50),
        .microseconds(100), .microseconds(250), .microseconds(1000), .milliseconds(10), .milliseconds(100),
    ]

    struct Key: Hashable {
        var type: UInt16?
        var rcode: UInt16?
    }

    private let counters = Mutex<[Key: Counter]>([:])
    let timer = Metrics.Timer(label: DNSMetrics.durationLabel)

    public init() {}

    func counter(_ key: Key) -> Counter {
        counters.withLock { counters in
            if let found = counters[key] { return found }
            let made = Counter(label: "berth_dns_queries_total", dimensions: [
                ("type", Self.typeLabel(key.type)), ("rcode", key.rcode.map { DNSRCode($0).description } ?? "dropped"),
            ])
            counters[key] = made
            return made
        }
    }

    /// The types worth a series of their own.
    static let namedTypes: Set<DNSType> = [.a, .aaaa, .srv, .soa, .ns, .any, .txt, .ptr, .cname, .mx, .axfr, .ixfr, DNSType(64), DNSType(65)]

    static func typeLabel(_ type: UInt16?) -> String {
        guard let type else { return "none" }
        switch DNSType(type) {
        case DNSType(64): return "SVCB"
        case DNSType(65): return "HTTPS"
        case let known where namedTypes.contains(known): return known.description
        default: return "other"
        }
    }

    /// One per server thread: keeps the counters it has used, so counting takes no lock.
    public struct Recorder {
        let metrics: DNSMetrics
        private var cache: [Key: Counter] = [:]

        public init(_ metrics: DNSMetrics) { self.metrics = metrics }

        /// `type` nil: no question could be read; `rcode` nil: dropped.
        mutating func record(type: DNSType?, rcode: DNSRCode?, nanoseconds: Int64) {
            let key = Key(type: type.map { DNSMetrics.namedTypes.contains($0) ? $0.rawValue : 0xFFFF }, rcode: rcode?.rawValue)
            let counter: Counter
            if let found = cache[key] {
                counter = found
            } else {
                counter = metrics.counter(key)
                cache[key] = counter
            }
            counter.increment()
            if rcode != nil { metrics.timer.recordNanoseconds(nanoseconds) }
        }
    }
}
