import Foundation

/// Numbers as fixed-point text without `String(format:)`, which costs microseconds a call on Linux: it dominated
/// `ocpp-report sessions` for a month and the simulator's MeterValues in load mode.
public enum FixedPointText {
    /// `value` with exactly `places` decimals, rounded half away from zero; "" for a non-finite value.
    public static func format(_ value: Double, places: Int) -> String {
        guard value.isFinite else { return "" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(value) * scale).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9e15 else { return String(format: "%.\(places)f", value) }
        let digits = String(Int64(scaled))
        let negative = value < 0 && scaled > 0
        guard places > 0 else { return (negative ? "-" : "") + digits }
        let padded = digits.count <= places ? String(repeating: "0", count: places + 1 - digits.count) + digits : digits
        let split = padded.index(padded.endIndex, offsetBy: -places)
        return (negative ? "-" : "") + padded[..<split] + "." + padded[split...]
    }

    /// Like `format`, with trailing zeros (and a trailing point) trimmed: `"7360"`, `"12.5"`, never `"-0"`.
    public static func trimmed(_ value: Double, places: Int) -> String {
        var text = format(value, places: places)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }
}
