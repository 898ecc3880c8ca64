/// Durations as people write them in flags and query strings: `500ms`, `30s`, `5m`, `1m30s`, `2h`.
public enum DurationText {
    /// Parses Go-style duration text; nil when malformed or longer than `max` (a day unless
    /// told otherwise). With `max` nil, any well-formed duration is read, however long, and one
    /// past about 35,000 years saturates there (for a `wait` that is clamped anyway).
    public static func parse(_ text: some StringProtocol, max: Duration? = .seconds(86_400)) -> Duration? {
        guard !text.isEmpty, text.utf8.count <= 32 else { return nil }
        let saturating = max == nil
        let limit = max.map { $0.components.seconds * 1000 } ?? 1 << 50
        var total: Int64 = 0  // milliseconds
        var number: Int64? = nil
        var chars = Array(text)[...]
        while let c = chars.first {
            if let digit = c.wholeNumberValue, c.isASCII {
                number = Swift.min((number ?? 0) * 10 + Int64(digit), limit + 1)
                guard number! <= limit || saturating else { return nil }
                chars = chars.dropFirst()
                continue
            }
            guard let n = number else { return nil }
            let unit: Int64
            if chars.starts(with: "ms") {
                unit = 1; chars = chars.dropFirst(2)
            } else if c == "s" {
                unit = 1000; chars = chars.dropFirst()
            } else if c == "m" {
                unit = 60_000; chars = chars.dropFirst()
            } else if c == "h" {
                unit = 3_600_000; chars = chars.dropFirst()
            } else {
                return nil
            }
            let (part, overflow) = n.multipliedReportingOverflow(by: unit)
            total = overflow ? limit + 1 : Swift.min(total + part, limit + 1)
            number = nil
            guard total <= limit || saturating else { return nil }
        }
        guard number == nil else { return nil }  // a trailing number without a unit
        return .milliseconds(Swift.min(total, limit))
    }

    /// Renders a duration back in the same notation, as the API echoes it.
    public static func format(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if ms == 0 { return "0s" }
        if ms % 3_600_000 == 0 { return "\(ms / 3_600_000)h" }
        if ms % 60_000 == 0 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }
}
