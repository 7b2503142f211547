import Foundation
import Testing

@testable import Shared

@Suite struct LimitRecurrenceTests {
    static func ms(_ text: String) -> Int64 { Timestamp(parsing: text)!.milliseconds }

    static func windows(_ recurrence: LimitRecurrence, _ from: String, _ to: String) -> [[String]] {
        recurrence.windows(from: ms(from), to: ms(to)).map { [Timestamp(milliseconds: $0.start).description, Timestamp(milliseconds: $0.end).description] }
    }

    static func error(_ body: () throws(LimitInputError) -> LimitRecurrence) -> String? {
        do {
            _ = try body()
            return nil
        } catch {
            return error.description
        }
    }

    // MARK: - Parsing

    @Test func parsesDailyWindow() throws {
        let daily = try LimitRecurrence.daily("18:00-20:00", timeZone: nil)
        #expect(daily == LimitRecurrence(kind: .daily, startMinute: 1080, endMinute: 1200, days: [], timeZone: "UTC"))
        #expect(daily.description == "daily 18:00-20:00 UTC")
        let berlin = try LimitRecurrence.daily("7:30-24:00", timeZone: "Europe/Berlin")
        #expect(berlin.startMinute == 450)
        #expect(berlin.endMinute == 1440)
        #expect(berlin.timeZone == "Europe/Berlin")
        #expect(berlin.description == "daily 07:30-24:00 Europe/Berlin")
    }

    @Test func parsesWeeklyWindow() throws {
        let weekdays = try LimitRecurrence.weekly("mon-fri@07:00-09:00", timeZone: "Europe/Berlin")
        #expect(weekdays == LimitRecurrence(kind: .weekly, startMinute: 420, endMinute: 540, days: [1, 2, 3, 4, 5], timeZone: "Europe/Berlin"))
        #expect(weekdays.description == "weekly mon,tue,wed,thu,fri 07:00-09:00 Europe/Berlin")
        let weekend = try LimitRecurrence.weekly("SUN,sat@10:00-16:00", timeZone: nil)
        #expect(weekend.days == [6, 7])
        #expect(weekend.timeZone == "UTC")
        let mixed = try LimitRecurrence.weekly("mon,wed-thu,wed@00:00-01:00", timeZone: nil)
        #expect(mixed.days == [1, 3, 4])
    }

    @Test(arguments: ["20:00-18:00", "18:00-18:00", "18:00", "18-20", "18:00-20:00-22:00", "25:00-26:00", "18:00-24:01", "18:60-20:00", "24:00-24:00", "a:bc-20:00", ""])
    func rejectsBadDailyWindow(_ window: String) {
        #expect(Self.error { () throws(LimitInputError) in try LimitRecurrence.daily(window, timeZone: nil) } != nil)
    }

    @Test func reversedWindowSaysHowToFixIt() throws {
        let message = try #require(Self.error { () throws(LimitInputError) in try LimitRecurrence.daily("20:00-18:00", timeZone: nil) })
        #expect(message.contains("ends before it starts"))
        #expect(message.contains("overnight"))
    }

    @Test func rejectsUnknownTimeZone() throws {
        let message = try #require(Self.error { () throws(LimitInputError) in try LimitRecurrence.daily("18:00-20:00", timeZone: "Mars/Olympus_Mons") })
        #expect(message.contains("Mars/Olympus_Mons"))
        #expect(Self.error { () throws(LimitInputError) in try LimitRecurrence.weekly("mon@18:00-20:00", timeZone: "Nowhere") } != nil)
    }

    @Test(arguments: ["mon-fri", "mon-fri@", "@07:00-09:00", "fri-mon@07:00-09:00", "monday@07:00-09:00", "mon-tue-wed@07:00-09:00", "mon@09:00-07:00"])
    func rejectsBadWeeklyWindow(_ text: String) {
        #expect(Self.error { () throws(LimitInputError) in try LimitRecurrence.weekly(text, timeZone: nil) } != nil)
    }

    // MARK: - Windows

    @Test func dailyWindowsInUTC() throws {
        let daily = try LimitRecurrence.daily("18:00-20:00", timeZone: nil)
        #expect(Self.windows(daily, "2026-06-10T00:00:00Z", "2026-06-12T00:00:00Z") == [
            ["2026-06-10T18:00:00Z", "2026-06-10T20:00:00Z"],
            ["2026-06-11T18:00:00Z", "2026-06-11T20:00:00Z"],
        ])
        // A window that overlaps the range only in part is included whole.
        #expect(Self.windows(daily, "2026-06-10T19:00:00Z", "2026-06-11T18:30:00Z") == [
            ["2026-06-10T18:00:00Z", "2026-06-10T20:00:00Z"],
            ["2026-06-11T18:00:00Z", "2026-06-11T20:00:00Z"],
        ])
        // Touching is not overlapping: [from, to) against [start, end).
        #expect(Self.windows(daily, "2026-06-10T20:00:00Z", "2026-06-11T18:00:00Z").isEmpty)
        #expect(daily.windows(from: Self.ms("2026-06-11T00:00:00Z"), to: Self.ms("2026-06-10T00:00:00Z")).isEmpty)
    }

    /// 18:00-20:00 Europe/Berlin is 17:00-19:00 UTC in winter and 16:00-18:00 UTC in summer, also on the days the
    /// clocks change (2026-03-29 and 2026-10-25).
    @Test func dailyWindowsFollowBerlinWallClockAcrossDaylightSaving() throws {
        let daily = try LimitRecurrence.daily("18:00-20:00", timeZone: "Europe/Berlin")
        #expect(Self.windows(daily, "2026-03-27T12:00:00Z", "2026-03-30T12:00:00Z") == [
            ["2026-03-27T17:00:00Z", "2026-03-27T19:00:00Z"],
            ["2026-03-28T17:00:00Z", "2026-03-28T19:00:00Z"],
            ["2026-03-29T16:00:00Z", "2026-03-29T18:00:00Z"],
        ])
        #expect(Self.windows(daily, "2026-10-24T12:00:00Z", "2026-10-26T12:00:00Z") == [
            ["2026-10-24T16:00:00Z", "2026-10-24T18:00:00Z"],
            ["2026-10-25T17:00:00Z", "2026-10-25T19:00:00Z"],
        ])
    }

    @Test func windowAcrossTheChangeLastsItsWallClockLength() throws {
        // 01:00-04:00 on the night the clocks go forward is 2 hours long; on the night they go back, 4.
        let night = try LimitRecurrence.daily("01:00-04:00", timeZone: "Europe/Berlin")
        #expect(Self.windows(night, "2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z") == [["2026-03-29T00:00:00Z", "2026-03-29T02:00:00Z"]])
        #expect(Self.windows(night, "2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z") == [["2026-10-24T23:00:00Z", "2026-10-25T03:00:00Z"]])
    }

    /// Every window of a year, in a zone with daylight saving and windows around the changes: none ends before it
    /// starts, and they come in order.
    @Test(arguments: ["01:00-04:00", "02:00-03:00", "02:30-03:30", "00:00-24:00", "18:00-20:00"])
    func windowsOfAYearAreOrdered(_ window: String) throws {
        let daily = try LimitRecurrence.daily(window, timeZone: "Europe/Berlin")
        let windows = daily.windows(from: Self.ms("2026-01-01T00:00:00Z"), to: Self.ms("2027-01-01T00:00:00Z"))
        #expect(windows.count >= 365)
        for (index, w) in windows.enumerated() {
            #expect(w.start <= w.end, "\(window): \(Timestamp(milliseconds: w.start))-\(Timestamp(milliseconds: w.end))")
            if index > 0 { #expect(windows[index - 1].end <= w.start) }
        }
    }

    @Test func windowEndingAtMidnight() throws {
        let late = try LimitRecurrence.daily("22:00-24:00", timeZone: "Europe/Berlin")
        #expect(Self.windows(late, "2026-10-25T12:00:00Z", "2026-10-25T23:30:00Z") == [["2026-10-25T21:00:00Z", "2026-10-25T23:00:00Z"]])
        #expect(late.contains(Self.ms("2026-10-25T22:59:59.999Z")))
        #expect(!late.contains(Self.ms("2026-10-25T23:00:00Z")))
        let utc = try LimitRecurrence.daily("22:00-24:00", timeZone: nil)
        #expect(utc.contains(Self.ms("2026-06-10T23:59:59.999Z")))
        #expect(!utc.contains(Self.ms("2026-06-11T00:00:00Z")))
    }

    @Test func weeklyWindowsOnWeekdaysOnly() throws {
        let weekdays = try LimitRecurrence.weekly("mon-fri@07:00-09:00", timeZone: nil)
        // 2026-06-08 is a Monday.
        #expect(Self.windows(weekdays, "2026-06-06T00:00:00Z", "2026-06-15T00:00:00Z") == [
            ["2026-06-08T07:00:00Z", "2026-06-08T09:00:00Z"],
            ["2026-06-09T07:00:00Z", "2026-06-09T09:00:00Z"],
            ["2026-06-10T07:00:00Z", "2026-06-10T09:00:00Z"],
            ["2026-06-11T07:00:00Z", "2026-06-11T09:00:00Z"],
            ["2026-06-12T07:00:00Z", "2026-06-12T09:00:00Z"],
        ])
        let weekend = try LimitRecurrence.weekly("sat,sun@10:00-16:00", timeZone: "Europe/Berlin")
        #expect(Self.windows(weekend, "2026-06-08T00:00:00Z", "2026-06-15T00:00:00Z") == [
            ["2026-06-13T08:00:00Z", "2026-06-13T14:00:00Z"],
            ["2026-06-14T08:00:00Z", "2026-06-14T14:00:00Z"],
        ])
        #expect(weekdays.contains(Self.ms("2026-06-12T08:00:00Z")))
        #expect(!weekdays.contains(Self.ms("2026-06-13T08:00:00Z")))
    }

    @Test func containsIsHalfOpen() throws {
        let daily = try LimitRecurrence.daily("18:00-20:00", timeZone: "Europe/Berlin")
        #expect(!daily.contains(Self.ms("2026-06-10T15:59:59.999Z")))
        #expect(daily.contains(Self.ms("2026-06-10T16:00:00Z")))
        #expect(daily.contains(Self.ms("2026-06-10T17:59:59.999Z")))
        #expect(!daily.contains(Self.ms("2026-06-10T18:00:00Z")))
        #expect(daily.contains(Self.ms("2026-01-10T17:30:00Z")))
        #expect(!daily.contains(Self.ms("2026-01-10T16:30:00Z")))
    }

    // MARK: - Cycles

    @Test func cycleStartIsLocalMidnightOrMonday() throws {
        let daily = try LimitRecurrence.daily("18:00-20:00", timeZone: "Europe/Berlin")
        #expect(daily.cycleStart(containing: Self.ms("2026-06-10T21:59:00Z")) == Self.ms("2026-06-09T22:00:00Z"))
        #expect(daily.cycleStart(containing: Self.ms("2026-06-10T22:00:00Z")) == Self.ms("2026-06-10T22:00:00Z"))
        #expect(daily.cycleStart(containing: Self.ms("2026-01-10T12:00:00Z")) == Self.ms("2026-01-09T23:00:00Z"))
        #expect(daily.cycleMs == 86_400_000)
        let weekly = try LimitRecurrence.weekly("mon-fri@07:00-09:00", timeZone: nil)
        #expect(weekly.cycleStart(containing: Self.ms("2026-06-14T23:59:59Z")) == Self.ms("2026-06-08T00:00:00Z"))
        #expect(weekly.cycleStart(containing: Self.ms("2026-06-08T00:00:00Z")) == Self.ms("2026-06-08T00:00:00Z"))
        #expect(weekly.cycleStart(containing: Self.ms("2026-06-10T12:00:00Z")) == Self.ms("2026-06-08T00:00:00Z"))
        #expect(weekly.cycleMs == 604_800_000)
    }

    @Test func codableRoundTrip() throws {
        let weekly = try LimitRecurrence.weekly("mon-fri@07:00-09:00", timeZone: "Europe/Berlin")
        let data = try JSONEncoder().encode(weekly)
        #expect(try JSONDecoder().decode(LimitRecurrence.self, from: data) == weekly)
    }
}
