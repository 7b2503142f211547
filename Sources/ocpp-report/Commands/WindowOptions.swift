import ArgumentParser
import Foundation

/// `--month` or `--since`/`--until`, and `--charger`.
struct WindowOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A calendar month in UTC, YYYY-MM.", valueName: "YYYY-MM"))
    var month: String?

    @Option(
        help: ArgumentHelp(
            "Start of the window (inclusive): RFC 3339, YYYY-MM-DD (UTC midnight), now, or relative: --since=-7d, -12h, -30m.",
            valueName: "time"
        )
    )
    var since: String?

    @Option(help: ArgumentHelp("End of the window (exclusive), same forms as --since.", valueName: "time"))
    var until: String?

    @Option(help: ArgumentHelp("Only this charger.", valueName: "id"))
    var charger: String?

    func validate() throws {
        _ = try window(required: false)
    }

    /// The window asked for; without any of the flags, all of time unless `required`.
    func window(required: Bool) throws -> ReportWindow {
        if let month {
            guard since == nil && until == nil else { throw ValidationError("give either --month or --since/--until, not both") }
            guard let window = ReportWindow.month(month) else { throw ValidationError("--month expects YYYY-MM, like 2026-11 (got \(month))") }
            return window
        }
        var window = ReportWindow.all
        if let since {
            guard let ms = ReportWindow.parseTime(since) else {
                throw ValidationError("--since expects an RFC 3339 time like 2026-11-01T00:00:00Z, a date, now, or -7d (got \(since))")
            }
            window.sinceMs = ms
        }
        if let until {
            guard let ms = ReportWindow.parseTime(until) else {
                throw ValidationError("--until expects an RFC 3339 time like 2026-12-01T00:00:00Z, a date, now, or -1d (got \(until))")
            }
            window.untilMs = ms
        }
        if since != nil || until != nil {
            if since == nil || until == nil, required {
                throw ValidationError("give both --since and --until, or --month YYYY-MM")
            }
            guard window.sinceMs < window.untilMs else { throw ValidationError("--since must be before --until") }
        } else if required {
            throw ValidationError("give --month YYYY-MM or --since and --until")
        }
        return window
    }
}
