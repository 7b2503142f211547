import Foundation
import Shared

/// Writes data to stdout: aligned tables for people, one JSON document with `--json`.
enum Output {
    static func line(_ text: String) {
        print(text)
        fflush(nil)
    }

    static func json(_ value: some Encodable) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return }
        let text = String(decoding: data, as: UTF8.self)
        // Foundation on Linux pretty-prints an empty array as "[\n\n]".
        line(text.filter { !$0.isWhitespace } == "[]" ? "[]" : text)
    }

    /// Columns padded to their widest cell; the last column is not padded.
    static func table(_ header: [String], _ rows: [[String]]) {
        for text in aligned([header] + rows) { line(text) }
    }

    /// Rows as lines with columns padded to their widest cell; the last column is not padded.
    static func aligned(_ rows: [[String]]) -> [String] {
        var widths = [Int](repeating: 0, count: rows.map(\.count).max() ?? 0)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return rows.map { row in
            let cells = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            return cells.joined(separator: "  ")
        }
    }

    static func dash(_ text: String?) -> String { text.flatMap { $0.isEmpty ? nil : $0 } ?? "-" }

    /// A charger command's outcome: `CP01 Reset Accepted` plus what the answer carries.
    static func result(_ result: CommandResult, json asJSON: Bool) {
        if asJSON {
            Output.json(result)
            return
        }
        if let error = result.error {
            line("\(result.charger) \(result.action) CallError \(error.code): \(error.description)")
            return
        }
        line("\(result.charger) \(result.action) \(result.status)")
        var rest = result.response.objectValue ?? JSONObject()
        rest["status"] = nil
        if !rest.isEmpty { line(JSONValue.object(rest).serialized()) }
        for repair in result.repairs ?? [] {
            var err = StandardError()
            print("ocpp-ctl: note: \(repair)", to: &err)
        }
    }
}
