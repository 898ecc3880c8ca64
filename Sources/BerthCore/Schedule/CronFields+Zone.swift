import Foundation

extension CronFields {
    /// The first fire time strictly after `t` (unix seconds) in `zone`, as unix seconds.
    ///
    /// The walk runs over wall-clock minutes from the minute after `t`'s own wall time; each
    /// match maps to an instant (`instant(of:in:)`: its first occurrence, or the end of the gap
    /// that skips it). That mapping never decreases along the walk, so the first match whose
    /// instant is after `t` is the answer. Only in an autumn's repeated hour can a match map to
    /// or before `t` (it fired in the first pass): the walk then moves on.
    func next(after t: TimeInterval, in zone: TimeZone) -> Int64? {
        let seconds = Int64(t.rounded(.down))
        let wall = seconds + Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds))))
        var from = CivilTime(localSeconds: wall - wall.floorMod(60) + 60)
        while let match = firstMatch(atOrAfter: from) {
            let instant = Self.instant(of: match, in: zone)
            if TimeInterval(instant) > t { return instant }
            from = CivilTime(localSeconds: match.localSeconds + 60)
        }
        return nil
    }

    /// The instant a wall-clock minute stands for in `zone`: its first occurrence when the
    /// clock goes back, the first instant after the gap when the clock skips it.
    static func instant(of c: CivilTime, in zone: TimeZone) -> Int64 {
        func offset(_ s: Int64) -> Int64 {
            Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(s))))
        }
        let wall = c.localSeconds
        // Offsets lie within -12h…+14h: every instant this wall time may be lies in
        // [wall - 14h, wall + 12h]; read the offsets just outside that window.
        let early = wall - 15 * 3600, late = wall + 13 * 3600
        let (before, after) = (offset(early), offset(late))
        if before == after { return wall - before }
        let first = wall - before, second = wall - after
        switch (offset(first) == before, offset(second) == after) {
        case (true, true): return min(first, second)
        case (true, false): return first
        case (false, true): return second
        case (false, false):
            // In the gap: the first second the new offset holds.
            var (lo, hi) = (early, late)
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2
                if offset(mid) == after { hi = mid } else { lo = mid }
            }
            return hi
        }
    }
}
