/// What response-rate limiting makes of one response.
public enum DNSRateLimitVerdict: Equatable, Sendable {
    /// Under the limit: answer as usual.
    case answer
    /// Over it, the one in `slip` that gets a truncated answer.
    case slip
    /// Over it: no answer.
    case drop
}

/// Response-rate limiting's bookkeeping, per client network (a /24), as BIND's and Knot's RRL
/// keep it: a token bucket per network, refilled at `rate` responses a second and holding at
/// most one second's worth; over it, every `slip`th response is sent truncated (TC, no
/// records: a real resolver asks again over TCP, which a spoofed source cannot), the others
/// dropped. Amplification against a forged source is then at most about one small packet in
/// `slip`.
///
/// Pure and clock-free (`now` is passed in) and O(1) per response: a fixed array of slots, the
/// network's hash picks where it looks, at most `probes` slots from there. A full
/// neighbourhood gives its least recently seen slot to the newcomer: the table never grows,
/// however many networks (or forged sources) there are.
struct DNSRateLimitTable {
    typealias Verdict = DNSRateLimitVerdict

    private struct Slot {
        /// The network (address >> 8) + 1; 0 marks an empty slot.
        var key: UInt32 = 0
        /// Responses that may still go, in billionths (nanoseconds × rate).
        var credit: Int64 = 0
        var seen: Int64 = 0
        /// Responses over the limit so far, for the slip count.
        var over: UInt32 = 0
    }

    let rate: Int64
    let slip: UInt32
    static let probes = 4
    private var slots: [Slot]
    private let mask: Int

    /// `capacity` is rounded up to a power of two.
    init(rate: Int, slip: Int, capacity: Int = 4096) {
        self.rate = Int64(max(1, rate))
        self.slip = UInt32(max(0, slip))
        var size = 16
        while size < capacity { size <<= 1 }
        slots = Array(repeating: Slot(), count: size)
        mask = size - 1
    }

    /// One second's worth of responses, the most a bucket holds.
    private var fullCredit: Int64 { rate * 1_000_000_000 }

    /// Counts one response to `address` (host byte order) at `now` (nanoseconds on any
    /// monotonic clock) and says what to do with it.
    mutating func admit(_ address: UInt32, now: Int64) -> Verdict {
        let key = (address >> 8) &+ 1
        let index = slotIndex(key, now: now)
        var slot = slots[index]
        if slot.key != key {
            slot = Slot(key: key, credit: fullCredit, seen: now, over: 0)
        } else if now > slot.seen {
            // Saturating: a long-quiet network comes back with one full second.
            let elapsed = now - slot.seen
            let refill = elapsed >= 1_000_000_000 ? fullCredit : elapsed * rate
            slot.credit = min(fullCredit, slot.credit + refill)
            slot.seen = now
        }
        let verdict: Verdict
        if slot.credit >= 1_000_000_000 {
            slot.credit -= 1_000_000_000
            slot.over = 0
            verdict = .answer
        } else {
            slot.over &+= 1
            verdict = slip > 0 && slot.over % slip == 0 ? .slip : .drop
        }
        slots[index] = slot
        return verdict
    }

    /// Where `key` lives: its own slot if it has one among the probes, else an empty one, else
    /// the least recently seen.
    private func slotIndex(_ key: UInt32, now: Int64) -> Int {
        // Fibonacci hashing spreads neighbouring networks (x.y.1, x.y.2, …) over the table.
        let home = Int(truncatingIfNeeded: (UInt64(key) &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
        var oldest = home
        for step in 0..<Self.probes {
            let index = (home + step) & mask
            let slot = slots[index]
            if slot.key == key || slot.key == 0 { return index }
            if slot.seen < slots[oldest].seen { oldest = index }
        }
        return oldest
    }
}
