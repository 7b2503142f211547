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
