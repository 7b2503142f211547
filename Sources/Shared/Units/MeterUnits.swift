import Foundation

/// Unit conversion for meter values: every sampled value is stored in one base unit per quantity, so reports and
/// limits never compare kWh with Wh. Arithmetic is decimal, from the value's text (essentials §3.2).
///
/// Base units: energy `Wh`, reactive energy `varh`, active power `W`, reactive power `var`, apparent power `VA`,
/// current `A`, voltage `V`, temperature `Celsius`, frequency `Hertz`, state of charge `Percent`, `RPM`, and `""` for
/// the dimensionless power factor.
public enum MeterUnits {
    /// The unit a measurand is in when the charger names none (S§7.31; `Wh` for energy, inferred otherwise).
    public static func defaultUnit(for measurand: String) -> String {
        if measurand.hasPrefix("Energy.Reactive") { return "varh" }
        if measurand.hasPrefix("Energy") { return "Wh" }
        if measurand == "Power.Factor" { return "" }
        if measurand.hasPrefix("Power.Reactive") { return "var" }
        if measurand.hasPrefix("Power") { return "W" }
        if measurand.hasPrefix("Current") { return "A" }
        switch measurand {
        case "Voltage": return "V"
        case "Frequency": return "Hertz"
        case "Temperature": return "Celsius"
        case "SoC": return "Percent"
        case "RPM": return "RPM"
        default: return "Wh"
        }
    }

    /// The measurand a sample without one most likely carries, judged by its unit (an Alfen charger sends `A`
    /// without a measurand: that is a current, not the energy register the spec's default would make it).
    public static func measurand(forUnit unit: String) -> String? {
        switch baseUnit(of: unit) {
        case "Wh": "Energy.Active.Import.Register"
        case "varh": "Energy.Reactive.Import.Register"
        case "W": "Power.Active.Import"
        case "var": "Power.Reactive.Import"
        case "A": "Current.Import"
        case "V": "Voltage"
        case "Celsius": "Temperature"
        case "Hertz": "Frequency"
        case "Percent": "SoC"
        default: nil
        }
    }

    /// The base unit a unit converts to, or nil for a unit this table does not know.
    public static func baseUnit(of unit: String) -> String? {
        conversions[unit]?.base
    }

    /// Converts `value` in `unit` to its base unit. Nil for an unknown unit.
    public static func toBase(_ value: Decimal, unit: String) -> (value: Decimal, unit: String)? {
        guard let conversion = conversions[unit] else { return nil }
        switch conversion.kind {
        case .powerOfTen(let power): return (power == 0 ? value : Decimal(sign: value.sign, exponent: value.exponent + power, significand: value.significand), conversion.base)
        case .kelvin: return (value - kelvinOffset, conversion.base)
        case .fahrenheit: return (rounded((value - 32) * 5 / 9, places: 6), conversion.base)
        }
    }

    /// Converts a base-unit value into `unit` (for display or for a charger that wants kW).
    public static func fromBase(_ value: Decimal, unit: String) -> Decimal? {
        guard let conversion = conversions[unit] else { return nil }
        switch conversion.kind {
        case .powerOfTen(let power): return power == 0 ? value : Decimal(sign: value.sign, exponent: value.exponent - power, significand: value.significand)
        case .kelvin: return value + kelvinOffset
        case .fahrenheit: return rounded(value * 9 / 5 + 32, places: 6)
        }
    }

    /// Reads a sampled value's text as a decimal: surrounding spaces trimmed, a decimal comma accepted.
    public static func parseDecimal(_ text: String) -> Decimal? {
        if let scanned = DecimalText(scanning: text) { return scanned.decimal }
        return parseDecimalSlowly(text)
    }

    /// A sampled value's text in `unit`, converted to its base unit, as the exact decimal and the nearest double (what
    /// the store keeps). The common case (a plain number, a power-of-ten unit) is scanned without Foundation's parser.
    public static func baseValue(of text: String, unit: String) -> (decimal: Decimal, double: Double, unit: String)? {
        if let scanned = DecimalText(scanning: text), let conversion = conversions[unit], case .powerOfTen(let power) = conversion.kind {
            let shifted = scanned.shifted(by: power)
            return (shifted.decimal, shifted.double, conversion.base)
        }
        guard let decimal = parseDecimal(text), let converted = toBase(decimal, unit: unit) else { return nil }
        return (converted.value, NSDecimalNumber(decimal: converted.value).doubleValue, converted.unit)
    }

    private static func parseDecimalSlowly(_ text: String) -> Decimal? {
        var trimmed = text.trimmingCharacters(in: .whitespaces)
        if !trimmed.contains("."), trimmed.filter({ $0 == "," }).count == 1 {
            trimmed = trimmed.replacingOccurrences(of: ",", with: ".")
        }
        guard let number = JSONNumber(text: trimmed.hasPrefix("+") ? String(trimmed.dropFirst()) : trimmed) else { return nil }
        return number.decimal
    }

    static func rounded(_ value: Decimal, places: Int) -> Decimal {
        var input = value
        var output = Decimal()
        NSDecimalRound(&output, &input, places, .plain)
        return output
    }

    private static let kelvinOffset = Decimal(sign: .plus, exponent: -2, significand: 27315)

    private enum Kind {
        /// value × 10^power
        case powerOfTen(Int)
        case kelvin
        case fahrenheit
    }

    private static let conversions: [String: (base: String, kind: Kind)] = [
        "Wh": ("Wh", .powerOfTen(0)), "kWh": ("Wh", .powerOfTen(3)), "MWh": ("Wh", .powerOfTen(6)),
        "varh": ("varh", .powerOfTen(0)), "kvarh": ("varh", .powerOfTen(3)),
        "W": ("W", .powerOfTen(0)), "kW": ("W", .powerOfTen(3)), "MW": ("W", .powerOfTen(6)),
        "var": ("var", .powerOfTen(0)), "kvar": ("var", .powerOfTen(3)),
        "VA": ("VA", .powerOfTen(0)), "kVA": ("VA", .powerOfTen(3)),
        "A": ("A", .powerOfTen(0)), "mA": ("A", .powerOfTen(-3)),
        "V": ("V", .powerOfTen(0)), "kV": ("V", .powerOfTen(3)),
        "Celsius": ("Celsius", .powerOfTen(0)), "Celcius": ("Celsius", .powerOfTen(0)),
        "K": ("Celsius", .kelvin), "Fahrenheit": ("Celsius", .fahrenheit),
        "Hertz": ("Hertz", .powerOfTen(0)), "Hz": ("Hertz", .powerOfTen(0)),
        "Percent": ("Percent", .powerOfTen(0)),
        "RPM": ("RPM", .powerOfTen(0)),
        "": ("", .powerOfTen(0)),
    ]
}
