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
        case .scale(let factor): return (value * factor, conversion.base)
        case .kelvin: return (value - kelvinOffset, conversion.base)
        case .fahrenheit: return (rounded((value - 32) * 5 / 9, places: 6), conversion.base)
        }
    }

    /// Converts a base-unit value into `unit` (for display or for a charger that wants kW).
    public static func fromBase(_ value: Decimal, unit: String) -> Decimal? {
        guard let conversion = conversions[unit] else { return nil }
        switch conversion.kind {
        case .scale(let factor): return value / factor
        case .kelvin: return value + kelvinOffset
        case .fahrenheit: return rounded(value * 9 / 5 + 32, places: 6)
        }
    }

    /// Reads a sampled value's text as a decimal: surrounding spaces trimmed, a decimal comma accepted.
    public static func parseDecimal(_ text: String) -> Decimal? {
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
        case scale(Decimal)
        case kelvin
        case fahrenheit
    }

    private static let conversions: [String: (base: String, kind: Kind)] = [
        "Wh": ("Wh", .scale(1)), "kWh": ("Wh", .scale(1000)), "MWh": ("Wh", .scale(1_000_000)),
        "varh": ("varh", .scale(1)), "kvarh": ("varh", .scale(1000)),
        "W": ("W", .scale(1)), "kW": ("W", .scale(1000)), "MW": ("W", .scale(1_000_000)),
        "var": ("var", .scale(1)), "kvar": ("var", .scale(1000)),
        "VA": ("VA", .scale(1)), "kVA": ("VA", .scale(1000)),
        "A": ("A", .scale(1)), "mA": ("A", .scale(Decimal(sign: .plus, exponent: -3, significand: 1))),
        "V": ("V", .scale(1)), "kV": ("V", .scale(1000)),
        "Celsius": ("Celsius", .scale(1)), "Celcius": ("Celsius", .scale(1)),
        "K": ("Celsius", .kelvin), "Fahrenheit": ("Celsius", .fahrenheit),
        "Hertz": ("Hertz", .scale(1)), "Hz": ("Hertz", .scale(1)),
        "Percent": ("Percent", .scale(1)),
        "RPM": ("RPM", .scale(1)),
        "": ("", .scale(1)),
    ]
}
