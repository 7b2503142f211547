import Foundation

/// An OCPP `dateTime`: an instant, read from RFC 3339 text and written as `YYYY-MM-DDTHH:MM:SSZ`.
///
/// Parsing and formatting are hand-written digit loops over UTF-8 (civil date ↔ days since the epoch), because
/// this runs for every meter value: `ISO8601DateFormatter` costs 37–110 µs per parse here (conventions §4).
///
/// Output is always UTC with `Z` (S§3.14); milliseconds (`.sssZ`) appear only when the instant has a sub-second
/// part, never microseconds (essentials §3.1). Equality and ordering are those of `date`.
public struct Timestamp: Codable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public var date: Date

    public init(_ date: Date) {
        self.date = date
    }

    /// The current time, truncated to whole milliseconds, so it survives a trip through its own text unchanged.
    public static var now: Timestamp {
        let t = Date().timeIntervalSinceReferenceDate
        return Timestamp(Date(timeIntervalSinceReferenceDate: (t * 1000).rounded(.down) / 1000))
    }

    /// Reads RFC 3339 (the JSON Schema `date-time` format): `2026-01-02T03:04:05Z`, a `±hh:mm` offset instead of
    /// `Z`, an optional fraction of any length (digits beyond nanoseconds are ignored); `t`/`z` may be lowercase.
    /// Impossible dates (`2026-02-30`) and times (`24:00:00`) are rejected; a leap second `:60` at minute 59 reads as
    /// the first instant of the next minute.
    public init?(parsing text: String) {
        guard let parsed = Self.parse(text, lenient: false) else { return nil }
        self = parsed.timestamp
    }

    /// Reads what chargers send: everything `init(parsing:)` accepts, plus a space instead of `T`, a comma as the
    /// decimal separator, an offset as `±hhmm` or `±hh`, and no zone at all (`2023-10-19T15:28:07`), which is read
    /// as UTC and reported through `assumedUTC` so the caller can apply the charger's configured zone and record it.
    public static func parseLenient(_ text: String) -> (Timestamp, assumedUTC: Bool)? {
        guard let parsed = parse(text, lenient: true) else { return nil }
        return (parsed.timestamp, parsed.assumedUTC)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, or `YYYY-MM-DDTHH:MM:SS.sssZ` when the instant has a sub-second part (rounded to ms).
    public var description: String { Self.format(date) }

    /// The wire text; the same as `description`.
    public var text: String { description }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.date < rhs.date }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let parsed = Timestamp(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an RFC 3339 date-time")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

// MARK: - Civil calendar

extension Timestamp {
    /// Seconds between 1970-01-01 and 2001-01-01, Foundation's reference date.
    private static let unixToReference: Int64 = 978_307_200
    /// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z in Unix seconds: the range four-digit years can write.
    private static let earliestUnix: Int64 = -62_167_219_200
    private static let latestUnix: Int64 = 253_402_300_799

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`).
    static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (month <= 2 ? yearOfEra + era * 400 + 1 : yearOfEra + era * 400, month, day)
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

// MARK: - Parsing

extension Timestamp {
    private struct Parsed {
        var timestamp: Timestamp
        var assumedUTC: Bool
    }

    private static func parse(_ text: String, lenient: Bool) -> Parsed? {
        var text = text
        return text.withUTF8 { parse($0, lenient: lenient) }
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>, lenient: Bool) -> Parsed? {
        let count = bytes.count
        // The shortest accepted text is `YYYY-MM-DDTHH:MM:SS` (lenient, no zone).
        guard count >= 19 else { return nil }

        /// The value of `width` digits at `start`, or nil if any is not a digit.
        func number(_ start: Int, _ width: Int) -> Int64? {
            var value: Int64 = 0
            for i in start..<start + width {
                let digit = bytes[i] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int64(digit)
            }
            return value
        }

        guard let year = number(0, 4), bytes[4] == UInt8(ascii: "-"),
            let month = number(5, 2), bytes[7] == UInt8(ascii: "-"),
            let day = number(8, 2)
        else { return nil }
        let separator = bytes[10]
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || (lenient && separator == UInt8(ascii: " ")) else {
            return nil
        }
        guard let hour = number(11, 2), bytes[13] == UInt8(ascii: ":"),
            let minute = number(14, 2), bytes[16] == UInt8(ascii: ":"),
            let second = number(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month),
            hour <= 23, minute <= 59, second <= 59 || (second == 60 && minute == 59)
        else { return nil }

        // Fraction: any number of digits; the first nine give nanoseconds.
        var position = 19
        var nanoseconds: Int64 = 0
        if position < count, bytes[position] == UInt8(ascii: ".") || (lenient && bytes[position] == UInt8(ascii: ",")) {
            position += 1
            let start = position
            var scale: Int64 = 100_000_000
            while position < count {
                let digit = bytes[position] &- UInt8(ascii: "0")
                guard digit < 10 else { break }
                nanoseconds += Int64(digit) * scale
                scale /= 10
                position += 1
            }
            guard position > start else { return nil }
        }

        // Zone.
        var offsetSeconds: Int64 = 0
        var assumedUTC = false
        if position == count {
            guard lenient else { return nil }
            assumedUTC = true
        } else {
            let zone = bytes[position]
            if zone == UInt8(ascii: "Z") || zone == UInt8(ascii: "z") {
                position += 1
            } else if zone == UInt8(ascii: "+") || zone == UInt8(ascii: "-") {
                let remaining = count - position - 1
                let offsetHours: Int64
                var offsetMinutes: Int64 = 0
                if remaining == 5, bytes[position + 3] == UInt8(ascii: ":"), let h = number(position + 1, 2), let m = number(position + 4, 2) {
                    offsetHours = h
                    offsetMinutes = m
                } else if lenient, remaining == 4, let h = number(position + 1, 2), let m = number(position + 3, 2) {
                    offsetHours = h
                    offsetMinutes = m
                } else if lenient, remaining == 2, let h = number(position + 1, 2) {
                    offsetHours = h
                } else {
                    return nil
                }
                guard offsetHours <= 23, offsetMinutes <= 59 else { return nil }
                offsetSeconds = (offsetHours * 3600 + offsetMinutes * 60) * (zone == UInt8(ascii: "-") ? -1 : 1)
                position = count
            } else {
                return nil
            }
            guard position == count else { return nil }
        }

        let days = daysFromCivil(year: year, month: month, day: day)
        let unixSeconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        let sinceReference = Double(unixSeconds - unixToReference) + Double(nanoseconds) / 1_000_000_000
        return Parsed(timestamp: Timestamp(Date(timeIntervalSinceReferenceDate: sinceReference)), assumedUTC: assumedUTC)
    }
}

// MARK: - Formatting

extension Timestamp {
    /// Writes `date` in UTC; instants outside years 0000–9999 (and non-finite ones) are clamped into that range.
    static func format(_ date: Date) -> String {
        let interval = date.timeIntervalSinceReferenceDate
        var whole = interval.isFinite ? interval.rounded(.down) : 0
        var milliseconds = interval.isFinite ? Int64(((interval - whole) * 1000).rounded()) : 0
        if milliseconds >= 1000 {
            whole += 1
            milliseconds = 0
        }
        let lowest = Double(earliestUnix - unixToReference)
        let highest = Double(latestUnix - unixToReference)
        if whole < lowest {
            whole = lowest
            milliseconds = 0
        } else if whole > highest {
            whole = highest
            milliseconds = 0
        }
        let unixSeconds = Int64(whole) + unixToReference
        var days = unixSeconds / 86_400
        var secondOfDay = unixSeconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = civilFromDays(days)
        let length = milliseconds == 0 ? 20 : 24
        return String(unsafeUninitializedCapacity: length) { buffer in
            func put(_ value: Int64, _ width: Int, at start: Int) {
                var value = value
                var i = start + width - 1
                while i >= start {
                    buffer[i] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                    i -= 1
                }
            }
            put(year, 4, at: 0)
            buffer[4] = UInt8(ascii: "-")
            put(month, 2, at: 5)
            buffer[7] = UInt8(ascii: "-")
            put(day, 2, at: 8)
            buffer[10] = UInt8(ascii: "T")
            put(secondOfDay / 3600, 2, at: 11)
            buffer[13] = UInt8(ascii: ":")
            put(secondOfDay / 60 % 60, 2, at: 14)
            buffer[16] = UInt8(ascii: ":")
            put(secondOfDay % 60, 2, at: 17)
            if milliseconds != 0 {
                buffer[19] = UInt8(ascii: ".")
                put(milliseconds, 3, at: 20)
            }
            buffer[length - 1] = UInt8(ascii: "Z")
            return length
        }
    }
}
