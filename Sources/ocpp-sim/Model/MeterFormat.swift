import Foundation

/// Decimal text for sampled values: fixed places, trailing zeros trimmed (`"7360"`, `"12.5"`), never exponent notation.
enum MeterFormat {
    static func decimal(_ value: Double, places: Int) -> String {
        var text = String(format: "%.\(places)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }
}
