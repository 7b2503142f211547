import Foundation
import Testing

@testable import Shared

@Suite struct MeterUnitsTests {
    @Test(arguments: [
        ("6089", "kWh", "6089000", "Wh"),
        ("1.6", "kW", "1600", "W"),
        ("2.5", "kvarh", "2500", "varh"),
        ("300", "K", "26.85", "Celsius"),
        ("212", "Fahrenheit", "100", "Celsius"),
        ("22", "Celcius", "22", "Celsius"),
        ("59.95", "Hz", "59.95", "Hertz"),
        ("7.856", "A", "7.856", "A"),
        ("0.1", "kWh", "100", "Wh"),
    ])
    func convertsToBase(value: String, unit: String, expected: String, base: String) throws {
        let input = try #require(Decimal(string: value))
        let converted = try #require(MeterUnits.toBase(input, unit: unit))
        #expect(converted.value == Decimal(string: expected))
        #expect(converted.unit == base)
    }

    @Test func convertsBack() {
        #expect(MeterUnits.fromBase(1600, unit: "kW") == Decimal(string: "1.6"))
        #expect(MeterUnits.toBase(1, unit: "furlongs") == nil)
    }

    @Test func parsesSampledText() {
        #expect(MeterUnits.parseDecimal(" 7.5 ") == Decimal(string: "7.5"))
        #expect(MeterUnits.parseDecimal("7,5") == Decimal(string: "7.5"))
        #expect(MeterUnits.parseDecimal("1,000.5") == nil)
        #expect(MeterUnits.parseDecimal("abc") == nil)
    }

    /// The scanner every stored sample goes through agrees with Foundation's parser on what both read, and leaves the
    /// rest (exponents, leading zeros, two separators) to it.
    @Test(arguments: ["0", "-0", "7.5", " 7,5 ", "+3", "-12.250", "230.1", "0.001", "123456789012345678", "1e3", "01", "1,000.5", "5.", ".5", "-", "", "abc", "1 2"])
    func scansLikeTheFullParser(text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let normalized = trimmed.contains(".") ? trimmed : trimmed.replacingOccurrences(of: ",", with: ".")
        let reference = JSONNumber(text: normalized.hasPrefix("+") ? String(normalized.dropFirst()) : normalized)?.decimal
        #expect(MeterUnits.parseDecimal(text) == reference)
        if let scanned = DecimalText(scanning: text) {
            #expect(scanned.decimal == reference)
            #expect(scanned.double == NSDecimalNumber(decimal: scanned.decimal).doubleValue)
        }
    }

    @Test func baseValuesAreExactForPowerOfTenUnits() throws {
        let register = try #require(MeterUnits.baseValue(of: "12.345", unit: "kWh"))
        #expect(register.double == 12345 && register.decimal == 12345 && register.unit == "Wh")
        let current = try #require(MeterUnits.baseValue(of: "1500", unit: "mA"))
        #expect(current.double == 1.5 && current.unit == "A")
        let kelvin = try #require(MeterUnits.baseValue(of: "300", unit: "K"))
        #expect(abs(kelvin.double - 26.85) < 1e-9 && kelvin.unit == "Celsius")
        #expect(MeterUnits.baseValue(of: "1", unit: "furlongs") == nil)
    }

    /// The three-phase trace: kWh register, kW power, a frequency with no unit (Hertz, not the Wh default).
    @Test func normalizesWithSpecDefaults() {
        let energy = NormalizedSample(value: "6089", unit: "kWh", measurand: "Energy.Active.Import.Register", phase: nil, location: nil, context: nil, format: nil)
        #expect(energy.value == 6_089_000 && energy.unit == "Wh" && energy.rawUnit == "kWh" && energy.rawValue == "6089")
        #expect(energy.location == "Outlet" && energy.context == "Sample.Periodic" && energy.format == "Raw")

        let frequency = NormalizedSample(value: "59.95", unit: nil, measurand: "Frequency", phase: nil, location: nil, context: nil, format: nil)
        #expect(frequency.unit == "Hertz" && frequency.value == Decimal(string: "59.95"))

        let bare = NormalizedSample(value: "123", unit: nil, measurand: nil, phase: nil, location: nil, context: nil, format: nil)
        #expect(bare.measurand == "Energy.Active.Import.Register" && bare.unit == "Wh" && bare.value == 123)

        let current = NormalizedSample(value: "16", unit: "A", measurand: nil, phase: "L1", location: nil, context: "CurrentMax", format: nil)
        #expect(current.measurand == "Current.Import" && current.notes == ["measurand inferred from unit A"])

        let signed = NormalizedSample(value: "AB12", unit: "Wh", measurand: nil, phase: nil, location: nil, context: nil, format: "SignedData")
        #expect(signed.value == nil && signed.rawValue == "AB12")
    }
}
