import Foundation
import Shared

/// The time range a report covers, `[since, until)` in milliseconds since 1970 UTC. Sessions belong to the window
/// their start falls in (charger time, as stored).
struct ReportWindow: Sendable, Hashable {
    var sinceMs: Int64
    var untilMs: Int64

    /// All of time: `sessions` without `--month`, `--since` or `--until`.
    static let all = ReportWindow(sinceMs: Int64.min / 4, untilMs: Int64.max / 4)

    var isAll: Bool { self == .all }

    /// `YYYY-MM` as a UTC calendar month.
    static func month(_ text: String) -> ReportWindow? {
        let parts = text.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let year = Int(parts[0]), let month = Int(parts[1]),
            (1...12).contains(month)
        else { return nil }
        let next = month == 12 ? (year + 1, 1) : (year, month + 1)
        guard let since = Timestamp(parsing: String(format: "%04d-%02d-01T00:00:00Z", year, month)),
            let until = Timestamp(parsing: String(format: "%04d-%02d-01T00:00:00Z", next.0, next.1))
        else { return nil }
        return ReportWindow(sinceMs: since.milliseconds, untilMs: until.milliseconds)
    }

    /// A time on the command line: RFC 3339 (`2026-10-06T14:35:55Z` or with an offset), a date (`2026-10-06`, UTC
    /// midnight), `now`, or relative to now (`-7d`, `-12h`, `+30m`).
    static func parseTime(_ text: String, now: Date = Date()) -> Int64? {
        if text == "now" { return Timestamp(now).milliseconds }
        if let first = text.first, first == "+" || first == "-", let unit = text.last, let amount = Double(text.dropFirst().dropLast()) {
            let factor: Double? =
                switch unit {
                case "s": 1
                case "m": 60
                case "h": 3600
                case "d": 86400
                default: nil
                }
            if let factor { return Timestamp(now.addingTimeInterval((first == "+" ? 1 : -1) * amount * factor)).milliseconds }
        }
        if let exact = Timestamp(parsing: text) { return exact.milliseconds }
        if text.count == 10, let day = Timestamp(parsing: text + "T00:00:00Z") { return day.milliseconds }
        return nil
    }

    var hours: Double { Double(untilMs - sinceMs) / 3_600_000 }
}
