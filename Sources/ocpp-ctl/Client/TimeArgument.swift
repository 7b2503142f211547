import Foundation
import Shared

/// Times on the command line: RFC 3339 (`2026-10-06T14:35:55Z`, an offset, or no zone = local time), `now`,
/// or relative to now (`+30m`, `+2h`, `+1d`, `-15m`), which scripts and cron jobs find easier to write.
enum TimeArgument {
    static func parse(_ text: String, flag: String) throws -> Timestamp {
        if text == "now" { return Timestamp.now }
        if let first = text.first, first == "+" || first == "-", let unit = text.last, let amount = Double(text.dropFirst().dropLast()) {
            let seconds: Double? =
                switch unit {
                case "s": amount
                case "m": amount * 60
                case "h": amount * 3600
                case "d": amount * 86400
                default: nil
                }
            if let seconds { return Timestamp(Date().addingTimeInterval(first == "+" ? seconds : -seconds)) }
        }
        if let exact = Timestamp(parsing: text) { return exact }
        if let local = localTime(text) { return local }
        throw CtlFailure.usage("\(flag) expects an RFC 3339 time like 2026-10-06T14:35:55Z, now, or +30m/+2h/+1d (got \(text))")
    }

    /// `2026-10-06T14:35:55` or `2026-10-06 14:35` without a zone: the local time zone.
    private static func localTime(_ text: String) -> Timestamp? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .current
        for format in ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return Timestamp(date) }
        }
        return nil
    }
}
