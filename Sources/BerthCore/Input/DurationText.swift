/// Durations as people write them in flags and query strings: `500ms`, `30s`, `5m`, `1m30s`, `2h`.
public enum DurationText {
    /// Parses Go-style duration text; nil when malformed or longer than a day.
    public static func parse(_ text: some StringProtocol) -> Duration? {
        guard !text.isEmpty, text.utf8.count <= 32 else { return nil }
        var total: Int64 = 0  // milliseconds
        var number: Int64? = nil
        var chars = Array(text)[...]
        while let c = chars.first {
            if let digit = c.wholeNumberValue, c.isASCII {
                number = (number ?? 0) * 10 + Int64(digit)
                guard number! <= 86_400_000 else { return nil }
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
            total += n * unit
            number = nil
            guard total <= 86_400_000 else { return nil }
        }
        guard number == nil else { return nil }  // a trailing number without a unit
        return .milliseconds(total)
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
