import Foundation

/// A window that repeats: every day, or on some weekdays, from HH:MM to HH:MM local time in an IANA time zone
/// (the restaurant's generator runs 18:00-20:00 Europe/Berlin, whatever the season).
public struct LimitRecurrence: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, Hashable {
        case daily, weekly
    }

    public var kind: Kind
    /// Minutes after local midnight; `endMinute` > `startMinute`, at most 1440 (24:00).
    public var startMinute: Int
    public var endMinute: Int
    /// Weekly: ISO weekdays, 1 = Monday … 7 = Sunday. Daily: empty.
    public var days: [Int]
    public var timeZone: String

    public init(kind: Kind, startMinute: Int, endMinute: Int, days: [Int] = [], timeZone: String = "UTC") {
        self.kind = kind
        self.startMinute = startMinute
        self.endMinute = endMinute
        self.days = days
        self.timeZone = timeZone
    }

    static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// `--daily 18:00-20:00`.
    public static func daily(_ window: String, timeZone: String?) throws(LimitInputError) -> LimitRecurrence {
        let (start, end) = try minutes(window)
        return LimitRecurrence(kind: .daily, startMinute: start, endMinute: end, timeZone: try zone(timeZone))
    }

    /// `--weekly mon-fri@07:00-09:00` or `sat,sun@10:00-16:00`.
    public static func weekly(_ text: String, timeZone: String?) throws(LimitInputError) -> LimitRecurrence {
        let parts = text.split(separator: "@", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw LimitInputError("--weekly takes DAYS@HH:MM-HH:MM, e.g. mon-fri@07:00-09:00 or sat,sun@10:00-16:00") }
        var days: Set<Int> = []
        for item in parts[0].lowercased().split(separator: ",") {
            let range = item.split(separator: "-").map(String.init)
            guard (1...2).contains(range.count), let first = dayNames.firstIndex(of: range[0]),
                let last = dayNames.firstIndex(of: range.count == 2 ? range[1] : range[0]), first <= last
            else {
                throw LimitInputError("unknown days '\(item)' in --weekly: use mon,tue,wed,thu,fri,sat,sun and ranges like mon-fri")
            }
            for day in first...last { days.insert(day + 1) }
        }
        let (start, end) = try minutes(parts[1])
        return LimitRecurrence(kind: .weekly, startMinute: start, endMinute: end, days: days.sorted(), timeZone: try zone(timeZone))
    }

    static func zone(_ name: String?) throws(LimitInputError) -> String {
        let name = name ?? "UTC"
        guard TimeZone(identifier: name) != nil else { throw LimitInputError("unknown time zone '\(name)': use an IANA name such as Europe/Berlin or UTC") }
        return name
    }

    /// `HH:MM-HH:MM`, 24:00 allowed as an end; the window must end after it starts.
    static func minutes(_ window: String) throws(LimitInputError) -> (Int, Int) {
        let ends = window.split(separator: "-").map(String.init)
        guard ends.count == 2, let start = minute(ends[0]), let end = minute(ends[1]) else {
            throw LimitInputError("window '\(window)' is not HH:MM-HH:MM, e.g. 18:00-20:00")
        }
        guard end > start else {
            throw LimitInputError("window \(window) ends before it starts: give the end later the same day (24:00 at most); split an overnight window in two limits")
        }
        return (start, end)
    }

    static func minute(_ text: String) -> Int? {
        let hm = text.split(separator: ":")
        guard hm.count == 2, hm[0].count <= 2, hm[1].count == 2, let h = Int(hm[0]), let m = Int(hm[1]), (0...24).contains(h), (0..<60).contains(m) else { return nil }
        let total = h * 60 + m
        return total <= 1440 ? total : nil
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timeZone) ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        return calendar
    }

    /// The windows that overlap [from, to), in milliseconds since 1970, each from its local start to its local end
    /// (so daylight-saving changes move them with the wall clock).
    public func windows(from: Int64, to: Int64) -> [(start: Int64, end: Int64)] {
        guard from < to else { return [] }
        let calendar = calendar
        var day = calendar.startOfDay(for: Date(timeIntervalSince1970: Double(from) / 1000 - 86_400))
        var result: [(Int64, Int64)] = []
        while Int64(day.timeIntervalSince1970 * 1000) < to {
            let weekday = (calendar.component(.weekday, from: day) + 5) % 7 + 1  // Foundation: 1 = Sunday
            if kind == .daily || days.contains(weekday) {
                let start = Self.instant(calendar, day, startMinute)
                let end = Self.instant(calendar, day, endMinute)
                if end > from && start < to { result.append((start, end)) }
            }
            guard let next = calendar.date(byAdding: .day, value: 1, to: day) else { break }
            day = next
        }
        return result
    }

    private static func instant(_ calendar: Calendar, _ day: Date, _ minute: Int) -> Int64 {
        let date = minute >= 1440
            ? calendar.date(byAdding: .day, value: 1, to: day)
            : calendar.date(bySettingHour: minute / 60, minute: minute % 60, second: 0, of: day)
        return Int64((date ?? day).timeIntervalSince1970 * 1000)
    }

    /// Whether `t` lies in a window: the local time of `t` (one UTC-offset lookup, no calendar arithmetic: the
    /// arbiter asks this for every limit at every instant it evaluates) between the window's start and end, on one
    /// of its days.
    public func contains(_ t: Int64) -> Bool {
        let zone = TimeZone(identifier: timeZone) ?? TimeZone(secondsFromGMT: 0)
        let offset = Int64(zone?.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t) / 1000)) ?? 0)
        let local = t + offset * 1000
        let day = local >= 0 ? local / 86_400_000 : (local - 86_399_999) / 86_400_000
        let sinceMidnight = local - day * 86_400_000
        guard sinceMidnight >= Int64(startMinute) * 60_000, sinceMidnight < Int64(endMinute) * 60_000 else { return false }
        guard kind == .weekly else { return true }
        // 1970-01-01 was a Thursday (ISO 4).
        let weekday = Int(((day % 7) + 7 + 3) % 7) + 1
        return days.contains(weekday)
    }

    /// One cycle: a day (daily) or a week (weekly), in milliseconds.
    public var cycleMs: Int64 { kind == .daily ? 86_400_000 : 604_800_000 }

    /// The start of the local day (daily) or local Monday (weekly) holding `t`: where one cycle of a recurring
    /// charging profile begins.
    public func cycleStart(containing t: Int64) -> Int64 {
        let calendar = calendar
        let date = Date(timeIntervalSince1970: Double(t) / 1000)
        var start = calendar.startOfDay(for: date)
        if kind == .weekly {
            let weekday = (calendar.component(.weekday, from: start) + 5) % 7  // 0 = Monday
            start = calendar.date(byAdding: .day, value: -weekday, to: start) ?? start
        }
        return Int64(start.timeIntervalSince1970 * 1000)
    }

    /// The start of the cycle after the one that starts at `start`: a local day or week later.
    func nextCycleStart(after start: Int64) -> Int64 {
        let date = Date(timeIntervalSince1970: Double(start) / 1000)
        guard let next = calendar.date(byAdding: .day, value: kind == .daily ? 1 : 7, to: date) else { return start + cycleMs }
        return Int64(next.timeIntervalSince1970 * 1000)
    }

    /// The next instant after `t` where the time zone's offset from UTC changes (daylight saving), if it has one.
    func nextOffsetChange(after t: Int64) -> Int64? {
        guard let zone = TimeZone(identifier: timeZone),
            let next = zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: Double(t) / 1000))
        else { return nil }
        return Int64((next.timeIntervalSince1970 * 1000).rounded())
    }

    public var description: String {
        func hhmm(_ m: Int) -> String { String(format: "%02d:%02d", m / 60, m % 60) }
        let window = "\(hhmm(startMinute))-\(hhmm(endMinute)) \(timeZone)"
        switch kind {
        case .daily: return "daily \(window)"
        case .weekly: return "weekly " + days.map { Self.dayNames[$0 - 1] }.joined(separator: ",") + " " + window
        }
    }
}
