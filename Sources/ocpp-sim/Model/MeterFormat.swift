import Shared

/// Decimal text for sampled values: fixed places, trailing zeros trimmed (`"7360"`, `"12.5"`), never exponent notation.
enum MeterFormat {
    static func decimal(_ value: Double, places: Int) -> String {
        FixedPointText.trimmed(value, places: places)
    }
}
