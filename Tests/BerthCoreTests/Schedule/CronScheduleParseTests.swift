@testable import BerthCore
import Foundation
import Testing

@Suite struct CronScheduleParseTests {
    /// The values set in a field's bits.
    static func values(_ set: UInt64) -> [Int] { (0..<64).filter { set & (1 << UInt64($0)) != 0 } }

    static func fields(_ text: String) throws -> CronFields {
        guard case .fields(let fields) = try CronSchedule(parsing: text).rule else {
            throw CronScheduleError(part: .expression, token: text, reason: "is not a field schedule")
        }
        return fields
    }

    struct Valid: Sendable, CustomTestStringConvertible {
        var text: String
        var minutes: [Int]? = nil
        var hours: [Int]? = nil
        var days: [Int]? = nil
        var months: [Int]? = nil
        var weekdays: [Int]? = nil
        var testDescription: String { text }
    }

    static let all60 = Array(0...59), all24 = Array(0...23), all31 = Array(1...31), all12 = Array(1...12), all7 = Array(0...6)

    @Test(arguments: [
        Valid(text: "* * * * *", minutes: all60, hours: all24, days: all31, months: all12, weekdays: all7),
        Valid(text: "0 0 1 1 *", minutes: [0], hours: [0], days: [1], months: [1], weekdays: all7),
        Valid(text: "*/15 * * * *", minutes: [0, 15, 30, 45]),
        Valid(text: "10-40/5 * * * *", minutes: [10, 15, 20, 25, 30, 35, 40]),
        Valid(text: "5/15 * * * *", minutes: [5, 20, 35, 50]),
        Valid(text: "1,3,5 */6 * * *", minutes: [1, 3, 5], hours: [0, 6, 12, 18]),
        Valid(text: "59 23 31 12 *", minutes: [59], hours: [23], days: [31], months: [12]),
        Valid(text: "0 9-17 * * mon-fri", hours: Array(9...17), weekdays: [1, 2, 3, 4, 5]),
        Valid(text: "0 0 * JAN,Mar-May *", months: [1, 3, 4, 5]),
        Valid(text: "0 0 * * 7", weekdays: [0]),
        Valid(text: "0 0 * * 5-7", weekdays: [0, 5, 6]),
        Valid(text: "0 0 * * 0-7", weekdays: all7),
        Valid(text: "0 0 * * sun,SAT", weekdays: [0, 6]),
        Valid(text: "0 0 * * */2", weekdays: [0, 2, 4, 6]),
        Valid(text: "0 0 1-31/10 * *", days: [1, 11, 21, 31]),
        Valid(text: "0 0 30 2 mon", days: [30], months: [2], weekdays: [1]),
        Valid(text: "0 0 29 feb *", days: [29], months: [2]),
        Valid(text: "  0\t0 * *   * ", minutes: [0], hours: [0]),
        Valid(text: "@hourly", minutes: [0], hours: all24, days: all31, months: all12, weekdays: all7),
        Valid(text: "@daily", minutes: [0], hours: [0], days: all31),
        Valid(text: "@midnight", minutes: [0], hours: [0], days: all31),
        Valid(text: "@weekly", minutes: [0], hours: [0], weekdays: [0]),
        Valid(text: "@monthly", minutes: [0], hours: [0], days: [1], months: all12),
        Valid(text: "@yearly", days: [1], months: [1]),
        Valid(text: "@ANNUALLY", days: [1], months: [1]),
    ])
    func parses(_ c: Valid) throws {
        let f = try Self.fields(c.text)
        if let m = c.minutes { #expect(Self.values(f.minutes) == m) }
        if let h = c.hours { #expect(Self.values(f.hours) == h) }
        if let d = c.days { #expect(Self.values(f.daysOfMonth) == d) }
        if let m = c.months { #expect(Self.values(f.months) == m) }
        if let w = c.weekdays { #expect(Self.values(f.daysOfWeek) == w) }
    }

    @Test func dayStarsFollowVixie() throws {
        let both = try Self.fields("0 0 13 * fri")
        #expect(!both.dayOfMonthStar && !both.dayOfWeekStar)
        let stepped = try Self.fields("0 0 */2 * mon")
        #expect(stepped.dayOfMonthStar && !stepped.dayOfWeekStar)
        let star = try Self.fields("0 0 1 * *")
        #expect(!star.dayOfMonthStar && star.dayOfWeekStar)
    }

    @Test func expressionIsKeptTrimmed() throws {
        let schedule = try CronSchedule(parsing: "  */5 * * * * ")
        #expect(schedule.expression == "*/5 * * * *")
        #expect(schedule.description == "*/5 * * * *")
        #expect(schedule.interval == nil)
    }

    @Test(arguments: [
        ("@every 30s", Duration.seconds(30)), ("@every 5m", .seconds(300)), ("@every 1h30m", .seconds(5400)),
        ("@every 1s", .seconds(1)), ("@every 1500ms", .milliseconds(1500)), ("@EVERY 48h", .seconds(172_800)),
    ])
    func parsesEvery(text: String, interval: Duration) throws {
        #expect(try CronSchedule(parsing: text).interval == interval)
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        var text: String
        var part: CronScheduleError.Part
        var token: String
        var testDescription: String { "\"\(text)\" → \(part.rawValue) \"\(token)\"" }
    }

    @Test(arguments: [
        Invalid(text: "", part: .expression, token: ""),
        Invalid(text: "* * * *", part: .expression, token: "* * * *"),
        Invalid(text: "* * * * * *", part: .expression, token: "* * * * * *"),
        Invalid(text: "60 * * * *", part: .minute, token: "60"),
        Invalid(text: "* 24 * * *", part: .hour, token: "24"),
        Invalid(text: "* * 0 * *", part: .dayOfMonth, token: "0"),
        Invalid(text: "* * 32 * *", part: .dayOfMonth, token: "32"),
        Invalid(text: "* * * 13 *", part: .month, token: "13"),
        Invalid(text: "* * * 0 *", part: .month, token: "0"),
        Invalid(text: "* * * * 8", part: .dayOfWeek, token: "8"),
        Invalid(text: "5-1 * * * *", part: .minute, token: "5-1"),
        Invalid(text: "* * * * mon-sun", part: .dayOfWeek, token: "mon-sun"),
        Invalid(text: "*/0 * * * *", part: .minute, token: "0"),
        Invalid(text: "*/61 * * * *", part: .minute, token: "61"),
        Invalid(text: "* */x * * *", part: .hour, token: "x"),
        Invalid(text: "1,,2 * * * *", part: .minute, token: "1,,2"),
        Invalid(text: "1, * * * *", part: .minute, token: "1,"),
        Invalid(text: "a * * * *", part: .minute, token: "a"),
        Invalid(text: "+5 * * * *", part: .minute, token: "+5"),
        Invalid(text: "-1 * * * *", part: .minute, token: "-1"),
        Invalid(text: "1-2-3 * * * *", part: .minute, token: "1-2-3"),
        Invalid(text: "*/2/3 * * * *", part: .minute, token: "*/2/3"),
        Invalid(text: "0001 * * * *", part: .minute, token: "0001"),
        Invalid(text: "* * * foo *", part: .month, token: "foo"),
        Invalid(text: "* * * mon *", part: .month, token: "mon"),
        Invalid(text: "* * * * funday", part: .dayOfWeek, token: "funday"),
        Invalid(text: "* * * * jan", part: .dayOfWeek, token: "jan"),
        Invalid(text: "0 0 30 2 *", part: .dayOfMonth, token: "30"),
        Invalid(text: "0 0 31 apr,jun,sep,nov *", part: .dayOfMonth, token: "31"),
        Invalid(text: "@every", part: .expression, token: "@every"),
        Invalid(text: "@every 500ms", part: .expression, token: "500ms"),
        Invalid(text: "@every 5", part: .expression, token: "5"),
        Invalid(text: "@every 0s", part: .expression, token: "0s"),
        Invalid(text: "@every 5m 5m", part: .expression, token: "@every 5m 5m"),
        Invalid(text: "@fortnightly", part: .expression, token: "@fortnightly"),
        Invalid(text: "@daily 5", part: .expression, token: "@daily 5"),
    ])
    func rejects(_ c: Invalid) {
        #expect(throws: CronScheduleError.self) { try CronSchedule(parsing: c.text) }
        do {
            _ = try CronSchedule(parsing: c.text)
        } catch {
            #expect(error.part == c.part)
            #expect(error.token == c.token)
        }
    }

    @Test func messagesNameTheFieldAndTheToken() throws {
        let error = #expect(throws: CronScheduleError.self) { try CronSchedule(parsing: "0 0 32 * *") }
        #expect(error?.message == "day-of-month: \"32\" is out of range 1-31")
        #expect(error?.invalidArgument == .invalidArgument(field: "schedule", message: "day-of-month: \"32\" is out of range 1-31"))
        let names = #expect(throws: CronScheduleError.self) { try CronSchedule(parsing: "0 0 * * xyz") }
        #expect(names?.message == "day-of-week: \"xyz\" is not a number in 0-7 or sun-sat")
        let count = #expect(throws: CronScheduleError.self) { try CronSchedule(parsing: "0 0 *") }
        #expect(count?.invalidArgument.field == "schedule")
        #expect(count?.invalidArgument.argumentMessage?.hasPrefix("\"0 0 *\" has 3 fields; expected 5") == true)
        let long = CronScheduleError(part: .minute, token: String(repeating: "9", count: 100), reason: "is out of range 0-59")
        #expect(long.token.count == 40)
    }

    @Test(arguments: ["UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata"])
    func knowsTimeZones(_ name: String) throws {
        let zone = try CronSchedule.timeZone(named: name)
        // Foundation may call UTC "GMT"; every other zone keeps its name.
        #expect(zone.identifier == name || (name == "UTC" && zone.secondsFromGMT(for: Date()) == 0))
    }

    @Test(arguments: ["", "Mars/Olympus_Mons", "Europe/Atlantis", "not a zone"])
    func refusesUnknownTimeZones(_ name: String) {
        let error = #expect(throws: CronScheduleError.self) { try CronSchedule.timeZone(named: name) }
        #expect(error?.part == .timeZone)
        #expect(error?.invalidArgument.field == "timeZone")
    }
}

@Suite struct CronScheduleCodingTests {
    struct Spec: Codable, Equatable {
        var schedule: CronSchedule
    }

    @Test func decodesAndEncodesAsItsExpression() throws {
        let spec = try decode(Spec.self, #"{"schedule":" @every 30s "}"#)
        #expect(spec.schedule.interval == .seconds(30))
        #expect(String(decoding: try JSONEncoder().encode(spec), as: UTF8.self) == #"{"schedule":"@every 30s"}"#)
    }

    @Test func aBadScheduleIsA400NamingTheField() {
        let error = decodingError(Spec.self, #"{"schedule":"0 0 32 * *"}"#)
        #expect(error == .invalidArgument(field: "schedule", message: #"day-of-month: "32" is out of range 1-31"#))
        let long = decodingError(Spec.self, #"{"schedule":""# + String(repeating: "1", count: 300) + #""}"#)
        #expect(long?.field == "schedule")
    }
}
