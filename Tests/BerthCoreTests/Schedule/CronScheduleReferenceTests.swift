@testable import BerthCore
import BerthTesting
import Foundation
import Testing

/// `next` against a slow reference that scans instants minute by minute and applies the
/// documented rules directly: a wall-clock minute fires the first time the clock shows it,
/// and a minute a gap skips fires at the first instant after the gap.
@Suite struct CronScheduleReferenceTests {
    static let zones = ["UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata"]
    /// How far the reference looks past `after`, in minutes.
    static let window: Int64 = 2 * 24 * 60

    static func reference(_ fields: CronFields, after: Date, in zone: TimeZone) -> Date? {
        func matches(_ wall: Int64) -> Bool {
            let c = CivilTime(localSeconds: wall)
            func has(_ set: UInt64, _ v: Int) -> Bool { set & (1 << UInt64(v)) != 0 }
            return has(fields.minutes, c.minute) && has(fields.hours, c.hour) && has(fields.months, c.month)
                && fields.matchesDay(year: c.year, month: c.month, day: c.day, weekday: c.weekday)
        }
        let start = Int64(after.timeIntervalSince1970.rounded(.down)) / 60 * 60
        var highest = Int64.min
        var previous: Int64?
        // From a day before, to learn which wall times the clock has already shown.
        for s in stride(from: start - 26 * 3600, through: start + window * 60, by: 60) {
            let wall = s + Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(s))))
            var fires = wall > highest && matches(wall)
            if let previous, wall - previous > 60 {
                fires = fires || stride(from: previous + 60, to: wall, by: 60).contains { $0 > highest && matches($0) }
            }
            highest = max(highest, wall)
            previous = wall
            if fires, TimeInterval(s) > after.timeIntervalSince1970 { return Date(timeIntervalSince1970: TimeInterval(s)) }
        }
        return nil
    }

    static func field(_ random: inout SplitMix64, min: Int, max: Int, names: [String], starBias: Int) -> String {
        func value() -> String {
            let v = random.int(in: min...max)
            if !names.isEmpty, random.int(in: 0...3) == 0, v - min < names.count { return names[v - min].uppercased() }
            return "\(v)"
        }
        switch random.int(in: 0...99) {
        case ..<starBias: return "*"
        case ..<(starBias + 15):
            return "*/\(random.int(in: 1...Swift.max(1, (max - min) / 2)))"
        case ..<(starBias + 30):
            let a = random.int(in: min...max), b = random.int(in: a...max)
            return random.bool() ? "\(a)-\(b)" : "\(a)-\(b)/\(random.int(in: 1...3))"
        case ..<(starBias + 45):
            return (0..<random.int(in: 2...4)).map { _ in value() }.joined(separator: ",")
        default: return value()
        }
    }

    static func expression(_ random: inout SplitMix64) -> String {
        [
            field(&random, min: 0, max: 59, names: [], starBias: 25),
            field(&random, min: 0, max: 23, names: [], starBias: 35),
            field(&random, min: 1, max: 31, names: [], starBias: 60),
            field(&random, min: 1, max: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], starBias: 70),
            field(&random, min: 0, max: 7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"], starBias: 60),
        ].joined(separator: " ")
    }

    @Test(arguments: TestSeeds.or([1, 2, 3, 4]))
    func nextAgreesWithAMinuteByMinuteScan(_ seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        var compared = 0
        while compared < 100 {
            let text = Self.expression(&random)
            guard let schedule = try? CronSchedule(parsing: text), case .fields(let fields) = schedule.rule else { continue }
            let zone = zone(random.pick(Self.zones)!)
            // Often just before a clock change, where the rules matter.
            var after = Date(timeIntervalSince1970: TimeInterval(random.int(in: 1_767_225_600...1_798_761_600)))
            if random.bool(), let change = zone.nextDaylightSavingTimeTransition(after: after) {
                after = change.addingTimeInterval(TimeInterval(random.int(in: -36 * 3600...6 * 3600)))
            }
            after.addTimeInterval(TimeInterval(random.int(in: 0...59)))
            let expected = Self.reference(fields, after: after, in: zone)
            let actual = schedule.next(after: after, in: zone)
            if let expected {
                #expect(actual == expected, "seed \(seed): \(text) in \(zone.identifier) after \(after)")
            } else {
                let end = after.addingTimeInterval(TimeInterval(Self.window * 60 - 60))
                #expect(actual.map { $0 > end } ?? true, "seed \(seed): \(text) in \(zone.identifier) after \(after)")
            }
            compared += 1
        }
    }
}
