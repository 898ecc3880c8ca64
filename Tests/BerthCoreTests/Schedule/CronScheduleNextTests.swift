@testable import BerthCore
import BerthTesting
import Foundation
import Testing

/// An instant written with its offset, as a reader checks it: `2026-03-08T03:00:00-04:00`.
func instant(_ text: String) -> Date {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    guard let date = formatter.date(from: text) else { fatalError("bad test instant \(text)") }
    return date
}

func zone(_ name: String) -> TimeZone {
    guard let zone = TimeZone(identifier: name) else { fatalError("no zone \(name) on this machine") }
    return zone
}

@Suite struct CronScheduleNextTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var schedule: String
        var zone = "UTC"
        var after: String
        var next: String?
        var testDescription: String { "\(schedule) in \(zone) after \(after)" }
    }

    static let utc: [Case] = [
        Case(schedule: "* * * * *", after: "2026-01-01T00:00:00Z", next: "2026-01-01T00:01:00Z"),
        Case(schedule: "* * * * *", after: "2026-01-01T00:00:30Z", next: "2026-01-01T00:01:00Z"),
        Case(schedule: "* * * * *", after: "2026-12-31T23:59:00Z", next: "2027-01-01T00:00:00Z"),
        Case(schedule: "*/15 * * * *", after: "2026-05-05T10:07:00Z", next: "2026-05-05T10:15:00Z"),
        Case(schedule: "*/15 * * * *", after: "2026-05-05T23:45:00Z", next: "2026-05-06T00:00:00Z"),
        Case(schedule: "10-40/5 9 * * *", after: "2026-05-05T09:40:00Z", next: "2026-05-06T09:10:00Z"),
        Case(schedule: "0 0 1 1 *", after: "2026-01-01T00:00:00Z", next: "2027-01-01T00:00:00Z"),
        Case(schedule: "@yearly", after: "2025-12-31T23:59:59Z", next: "2026-01-01T00:00:00Z"),
        Case(schedule: "@monthly", after: "2026-01-31T12:00:00Z", next: "2026-02-01T00:00:00Z"),
        Case(schedule: "@weekly", after: "2026-02-01T00:00:00Z", next: "2026-02-08T00:00:00Z"),  // Sundays
        Case(schedule: "@daily", after: "2026-02-28T23:00:00Z", next: "2026-03-01T00:00:00Z"),
        Case(schedule: "@hourly", after: "2026-02-28T23:00:00Z", next: "2026-03-01T00:00:00Z"),
        // Feb 29 and month ends
        Case(schedule: "0 0 29 2 *", after: "2026-03-01T00:00:00Z", next: "2028-02-29T00:00:00Z"),
        Case(schedule: "0 0 29 2 *", after: "2096-03-01T00:00:00Z", next: "2104-02-29T00:00:00Z"),  // 2100 is no leap year
        Case(schedule: "0 0 31 * *", after: "2026-03-31T00:00:00Z", next: "2026-05-31T00:00:00Z"),
        Case(schedule: "30 12 30 * *", after: "2026-01-30T12:30:00Z", next: "2026-03-30T12:30:00Z"),
        Case(schedule: "0 0 28-31 2 *", after: "2028-02-28T00:00:00Z", next: "2028-02-29T00:00:00Z"),
        Case(schedule: "0 0 28-31 2 *", after: "2027-02-28T00:00:00Z", next: "2028-02-28T00:00:00Z"),
        Case(schedule: "59 23 31 12 *", after: "2026-06-01T00:00:00Z", next: "2026-12-31T23:59:00Z"),
        // Both day fields restricted: either matches (2026-02-01 is a Sunday)
        Case(schedule: "0 0 13 * fri", after: "2026-02-01T00:00:00Z", next: "2026-02-06T00:00:00Z"),
        Case(schedule: "0 0 13 * fri", after: "2026-02-06T00:00:00Z", next: "2026-02-13T00:00:00Z"),
        Case(schedule: "0 0 13 * fri", after: "2026-02-13T00:00:00Z", next: "2026-02-20T00:00:00Z"),
        Case(schedule: "0 0 13 * mon", after: "2026-02-09T00:00:00Z", next: "2026-02-13T00:00:00Z"),
        Case(schedule: "0 0 30 2 mon", after: "2026-02-01T00:00:00Z", next: "2026-02-02T00:00:00Z"),
        // One begins with `*`: both must match (odd-numbered Mondays: 9 and 23 Feb, then 9 Mar; not the even 2 Feb)
        Case(schedule: "0 0 */2 * mon", after: "2026-02-01T00:00:00Z", next: "2026-02-09T00:00:00Z"),
        Case(schedule: "0 0 */2 * mon", after: "2026-02-23T00:00:00Z", next: "2026-03-09T00:00:00Z"),
        Case(schedule: "0 0 * * 7", after: "2026-02-01T00:00:00Z", next: "2026-02-08T00:00:00Z"),
        Case(schedule: "0 9 * * mon-fri", after: "2026-02-06T09:00:00Z", next: "2026-02-09T09:00:00Z"),
        Case(schedule: "0 0 1 jan,jul *", after: "2026-01-01T00:00:00Z", next: "2026-07-01T00:00:00Z"),
    ]

    static let zoned: [Case] = [
        // New York springs forward on 2026-03-08 at 02:00 EST → 03:00 EDT.
        Case(schedule: "30 2 * * *", zone: "America/New_York", after: "2026-03-07T12:00:00-05:00", next: "2026-03-08T03:00:00-04:00"),
        Case(schedule: "30 2 * * *", zone: "America/New_York", after: "2026-03-08T03:00:00-04:00", next: "2026-03-09T02:30:00-04:00"),
        Case(schedule: "*/15 * * * *", zone: "America/New_York", after: "2026-03-08T01:45:00-05:00", next: "2026-03-08T03:00:00-04:00"),
        Case(schedule: "*/15 * * * *", zone: "America/New_York", after: "2026-03-08T03:00:00-04:00", next: "2026-03-08T03:15:00-04:00"),
        Case(schedule: "0 3 * * *", zone: "America/New_York", after: "2026-03-08T01:59:00-05:00", next: "2026-03-08T03:00:00-04:00"),
        Case(schedule: "0 1 * * *", zone: "America/New_York", after: "2026-03-07T12:00:00-05:00", next: "2026-03-08T01:00:00-05:00"),
        // …and falls back on 2026-11-01 at 02:00 EDT → 01:00 EST: 01:30 fires once, at its first occurrence.
        Case(schedule: "30 1 * * *", zone: "America/New_York", after: "2026-10-31T12:00:00-04:00", next: "2026-11-01T01:30:00-04:00"),
        Case(schedule: "30 1 * * *", zone: "America/New_York", after: "2026-11-01T01:30:00-04:00", next: "2026-11-02T01:30:00-05:00"),
        Case(schedule: "30 1 * * *", zone: "America/New_York", after: "2026-11-01T01:10:00-05:00", next: "2026-11-02T01:30:00-05:00"),
        Case(schedule: "0 * * * *", zone: "America/New_York", after: "2026-11-01T01:00:00-04:00", next: "2026-11-01T02:00:00-05:00"),
        Case(schedule: "*/30 * * * *", zone: "America/New_York", after: "2026-11-01T01:45:00-05:00", next: "2026-11-01T02:00:00-05:00"),
        Case(schedule: "0 0 * * *", zone: "America/New_York", after: "2026-11-01T00:00:00-04:00", next: "2026-11-02T00:00:00-05:00"),
        // Berlin: 2026-03-29 02:00 CET → 03:00 CEST; 2026-10-25 03:00 CEST → 02:00 CET.
        Case(schedule: "30 2 * * *", zone: "Europe/Berlin", after: "2026-03-28T12:00:00+01:00", next: "2026-03-29T03:00:00+02:00"),
        Case(schedule: "0 2,3 * * *", zone: "Europe/Berlin", after: "2026-03-29T01:00:00+01:00", next: "2026-03-29T03:00:00+02:00"),
        Case(schedule: "0 2,3 * * *", zone: "Europe/Berlin", after: "2026-03-29T03:00:00+02:00", next: "2026-03-30T02:00:00+02:00"),
        Case(schedule: "30 2 * * *", zone: "Europe/Berlin", after: "2026-10-24T12:00:00+02:00", next: "2026-10-25T02:30:00+02:00"),
        Case(schedule: "30 2 * * *", zone: "Europe/Berlin", after: "2026-10-25T02:30:00+02:00", next: "2026-10-26T02:30:00+01:00"),
        Case(schedule: "45 2 * * *", zone: "Europe/Berlin", after: "2026-10-25T02:50:00+01:00", next: "2026-10-26T02:45:00+01:00"),
        Case(schedule: "0 9 * * mon", zone: "Europe/Berlin", after: "2026-03-27T00:00:00+01:00", next: "2026-03-30T09:00:00+02:00"),
        // Lord Howe Island moves its clock by half an hour (02:00 → 02:30 on 2026-10-04).
        Case(schedule: "15 2 * * *", zone: "Australia/Lord_Howe", after: "2026-10-03T12:00:00+10:30", next: "2026-10-04T02:30:00+11:00"),
        Case(schedule: "0 12 * * *", zone: "Asia/Kolkata", after: "2026-01-01T00:00:00Z", next: "2026-01-01T12:00:00+05:30"),
    ]

    @Test(arguments: utc + zoned)
    func next(_ c: Case) throws {
        let schedule = try CronSchedule(parsing: c.schedule)
        let next = schedule.next(after: instant(c.after), in: zone(c.zone))
        #expect(next == c.next.map(instant))
    }

    @Test func everyCountsFromTheOrigin() throws {
        let every = try CronSchedule(parsing: "@every 90s")
        let origin = instant("2026-01-01T00:00:00Z").addingTimeInterval(0.7)  // whole seconds count
        let created = instant("2026-01-01T00:00:00Z")
        let utc = zone("UTC"), berlin = zone("Europe/Berlin")
        #expect(every.next(after: created, in: utc, origin: origin) == created.addingTimeInterval(90))
        #expect(every.next(after: created.addingTimeInterval(-3600), in: utc, origin: origin) == created.addingTimeInterval(90))
        #expect(every.next(after: created.addingTimeInterval(90), in: utc, origin: origin) == created.addingTimeInterval(180))
        #expect(every.next(after: created.addingTimeInterval(1000), in: berlin, origin: origin) == created.addingTimeInterval(1080))
        // Across a DST change the spacing stays even.
        let spring = instant("2026-03-29T00:00:00Z")
        var t = spring
        for _ in 0..<200 {
            let n = try #require(every.next(after: t, in: berlin, origin: origin))
            #expect(n.timeIntervalSince(t) <= 90 && n > t)
            #expect(n.timeIntervalSince(created).truncatingRemainder(dividingBy: 90) == 0)
            t = n
        }
    }

    @Test func nextIsStrictlyAfterAndWalksInOrder() throws {
        let schedule = try CronSchedule(parsing: "*/7 1-3 * * *")
        let york = zone("America/New_York")
        var t = instant("2026-10-30T00:00:00Z")
        var seen = Set<Date>()
        for _ in 0..<300 {
            let n = try #require(schedule.next(after: t, in: york))
            #expect(n > t)
            #expect(seen.insert(n).inserted)
            t = n
        }
    }

    @Test func walksFourCenturiesOfLeapDays() throws {
        // Month by month, never minute by minute: 97 leap days from 2001 to 2400 (not 2100, 2200, 2300).
        let schedule = try CronSchedule(parsing: "59 23 29 2 *")
        var t = instant("2001-01-01T00:00:00Z")
        var count = 0
        while let n = schedule.next(after: t, in: zone("UTC")), n <= instant("2400-12-31T00:00:00Z") {
            t = n
            count += 1
        }
        #expect(count == 97)
        #expect(t == instant("2400-02-29T23:59:00Z"))
    }

    @Test func latestIsTheLastMissedTime() throws {
        let utc = zone("UTC")
        let minutely = try CronSchedule(parsing: "* * * * *")
        let from = instant("2026-01-01T00:00:00Z")
        #expect(minutely.latest(after: from, through: instant("2027-01-01T00:00:30Z"), in: utc) == instant("2027-01-01T00:00:00Z"))
        #expect(minutely.latest(after: from, through: from.addingTimeInterval(59), in: utc) == nil)
        #expect(minutely.latest(after: from, through: from.addingTimeInterval(60), in: utc) == from.addingTimeInterval(60))
        #expect(minutely.latest(after: from, through: from, in: utc) == nil)
        let daily = try CronSchedule(parsing: "0 0 * * *")
        #expect(daily.latest(after: from, through: instant("2026-03-08T23:59:59Z"), in: utc) == instant("2026-03-08T00:00:00Z"))
        let york = zone("America/New_York")
        let gap = try CronSchedule(parsing: "30 2 * * *")
        #expect(gap.latest(after: from, through: instant("2026-03-08T12:00:00-04:00"), in: york) == instant("2026-03-08T03:00:00-04:00"))
        let every = try CronSchedule(parsing: "@every 10s")
        #expect(every.latest(after: from, through: from.addingTimeInterval(95), in: utc, origin: from) == from.addingTimeInterval(90))
        #expect(every.latest(after: from.addingTimeInterval(90), through: from.addingTimeInterval(95), in: utc, origin: from) == nil)
        #expect(every.latest(after: from.addingTimeInterval(-50), through: from.addingTimeInterval(5), in: utc, origin: from) == nil)
    }

    @Test func civilArithmeticAgreesWithFoundation() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone("UTC")
        var random = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            let seconds = Int64(random.int(in: -5_000_000_000...10_000_000_000)) / 60 * 60
            let civil = CivilTime(localSeconds: seconds)
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            #expect([civil.year, civil.month, civil.day, civil.hour, civil.minute] == [parts.year, parts.month, parts.day, parts.hour, parts.minute])
            #expect(civil.weekday + 1 == parts.weekday)
            #expect(civil.localSeconds == seconds)
        }
    }
}
