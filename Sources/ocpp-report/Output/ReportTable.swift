import Foundation
import Shared

/// Rows with named fields, written as CSV (a header row, then one line per row) or JSON (an array of objects with the
/// same field names). Lists are joined with `;` in CSV; maps are `key=value` pairs joined with `;`.
struct ReportTable: Sendable {
    enum Cell: Sendable, Hashable {
        case null
        case text(String)
        case integer(Int64)
        /// A number written with `places` decimals.
        case number(Double, places: Int)
        /// A number rounded to `places` decimals with trailing zeros dropped: a reading as sent, not padded.
        case trimmed(Double, places: Int)
        case list([String])
        case counts([(String, Int)])

        static func == (lhs: Cell, rhs: Cell) -> Bool { lhs.csv == rhs.csv && lhs.json == rhs.json }
        func hash(into hasher: inout Hasher) { hasher.combine(csv) }

        static func optional(_ value: Double?, places: Int) -> Cell { value.map { .number($0, places: places) } ?? .null }
        static func optional(_ value: Double?, trimmedTo places: Int) -> Cell { value.map { .trimmed($0, places: places) } ?? .null }
        static func optional(_ text: String?) -> Cell { text.map { .text($0) } ?? .null }
        static func optional(_ value: Int64?) -> Cell { value.map { .integer($0) } ?? .null }
        static func time(_ ms: Int64?) -> Cell { ms.map { .text(Timestamp(milliseconds: $0).description) } ?? .null }

        var csv: String {
            switch self {
            case .null: ""
            case .text(let text): ReportTable.quote(text)
            case .integer(let value): String(value)
            case .number(let value, let places): ReportTable.format(value, places: places)
            case .trimmed(let value, let places): FixedPointText.trimmed(value, places: places)
            case .list(let items): ReportTable.quote(items.joined(separator: ";"))
            case .counts(let pairs): ReportTable.quote(pairs.map { "\($0.0)=\($0.1)" }.joined(separator: ";"))
            }
        }

        var json: JSONValue {
            switch self {
            case .null: .null
            case .text(let text): .string(text)
            case .integer(let value): .number(JSONNumber(value))
            case .number(let value, let places):
                value.isFinite ? (JSONNumber(text: ReportTable.format(value, places: places)).map(JSONValue.number) ?? .null) : .null
            case .trimmed(let value, let places):
                value.isFinite ? (JSONNumber(text: FixedPointText.trimmed(value, places: places)).map(JSONValue.number) ?? .null) : .null
            case .list(let items): .array(items.map(JSONValue.string))
            case .counts(let pairs): .object(JSONObject(pairs.map { JSONMember(key: $0.0, value: .number(JSONNumber($0.1))) }))
            }
        }
    }

    var columns: [String]
    var rows: [[Cell]]

    var csv: String {
        var out = columns.joined(separator: ",") + "\n"
        for row in rows { out += row.map(\.csv).joined(separator: ",") + "\n" }
        return out
    }

    var json: String {
        let objects = rows.map { row in
            JSONValue.object(JSONObject(zip(columns, row).map { JSONMember(key: $0.0, value: $0.1.json) }))
        }
        return JSONValue.array(objects).serialized() + "\n"
    }

    /// `value` with `places` decimals (half away from zero).
    static func format(_ value: Double, places: Int) -> String {
        FixedPointText.format(value, places: places)
    }

    /// RFC 4180: quoted when it holds a comma, quote or line break.
    static func quote(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
