/// A wall-clock date and time with no zone (year, month, day, hour, minute), and the calendar
/// arithmetic the cron search needs, done by hand: proleptic Gregorian, days counted from
/// 1970-01-01 (Howard Hinnant's `days_from_civil`). Foundation's `Calendar` is not needed to
/// walk a schedule, only `TimeZone` to map a wall-clock time to an instant.
struct CivilTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    var year: Int
    /// 1...12
    var month: Int
    /// 1...31
    var day: Int
    var hour: Int
    var minute: Int

    static func < (a: CivilTime, b: CivilTime) -> Bool {
        (a.year, a.month, a.day, a.hour, a.minute) < (b.year, b.month, b.day, b.hour, b.minute)
    }

    var description: String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day)) \(two(hour)):\(two(minute))"
    }

    /// The wall-clock minute holding `localSeconds` (seconds since 1970-01-01 00:00 wall time).
    init(localSeconds: Int64) {
        let days = Int(localSeconds.floorDiv(86_400))
        let rest = Int(localSeconds - Int64(days) * 86_400)
        (year, month, day) = Self.civil(fromDays: days)
        hour = rest / 3600
        minute = rest % 3600 / 60
    }

    init(year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        (self.year, self.month, self.day, self.hour, self.minute) = (year, month, day, hour, minute)
    }

    /// Seconds since 1970-01-01 00:00 wall time: the instant this would be in UTC.
    var localSeconds: Int64 {
        Int64(Self.days(year: year, month: month, day: day)) * 86_400 + Int64(hour * 3600 + minute * 60)
    }

    /// 0 = Sunday … 6 = Saturday.
    var weekday: Int { Self.weekday(year: year, month: month, day: day) }

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func weekday(year: Int, month: Int, day: Int) -> Int {
        // 1970-01-01 was a Thursday.
        (days(year: year, month: month, day: day) + 4).floorMod(7)
    }

    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = y.floorDiv(400)
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = z.floorDiv(146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension BinaryInteger {
    func floorDiv(_ d: Self) -> Self {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }

    func floorMod(_ d: Self) -> Self { self - floorDiv(d) * d }
}
