import Foundation

/// One sampled value with the spec's defaults applied and its value in a base unit (`MeterUnits`), the original
/// text and unit kept beside it.
public struct NormalizedSample: Sendable, Hashable {
    public var measurand: String
    public var phase: String?
    public var location: String
    public var context: String
    public var format: String
    /// In `unit`; nil for `SignedData` and for text that is not a number.
    public var value: Decimal?
    /// `value` as the nearest double (what the store keeps).
    public var doubleValue: Double?
    /// The base unit (`Wh`, `W`, `A`, …).
    public var unit: String
    public var rawValue: String
    public var rawUnit: String?
    /// Inferences made on the way (`measurand inferred from unit A`), for the data-quality record.
    public var notes: [String]

    /// Applies the defaults of OCPP 1.6 §7.45 (context `Sample.Periodic`, format `Raw`, measurand
    /// `Energy.Active.Import.Register`, location `Outlet`, unit from the measurand) and converts to base units.
    public init(
        value rawValue: String,
        unit rawUnit: String?,
        measurand rawMeasurand: String?,
        phase: String?,
        location: String?,
        context: String?,
        format: String?
    ) {
        var notes: [String] = []
        let measurand: String
        if let rawMeasurand {
            measurand = rawMeasurand
        } else if let rawUnit, let inferred = MeterUnits.measurand(forUnit: rawUnit), inferred != "Energy.Active.Import.Register" {
            measurand = inferred
            notes.append("measurand inferred from unit \(rawUnit)")
        } else {
            measurand = "Energy.Active.Import.Register"
        }
        let unit = rawUnit ?? MeterUnits.defaultUnit(for: measurand)
        if rawUnit == nil, unit != "Wh" { notes.append("unit \(unit) inferred from measurand") }

        self.measurand = measurand
        self.phase = phase
        self.location = location ?? "Outlet"
        self.context = context ?? "Sample.Periodic"
        self.format = format ?? "Raw"
        self.rawValue = rawValue
        self.rawUnit = rawUnit

        if self.format == "SignedData" {
            self.value = nil
            self.unit = MeterUnits.baseUnit(of: unit) ?? unit
        } else if let converted = MeterUnits.baseValue(of: rawValue, unit: unit) {
            self.value = converted.decimal
            self.doubleValue = converted.double
            self.unit = converted.unit
        } else if let decimal = MeterUnits.parseDecimal(rawValue) {
            self.value = decimal
            self.doubleValue = NSDecimalNumber(decimal: decimal).doubleValue
            self.unit = unit
            notes.append("unknown unit \(unit) stored unconverted")
        } else {
            self.value = nil
            self.unit = MeterUnits.baseUnit(of: unit) ?? unit
            notes.append("value \"\(rawValue)\" is not a number")
        }
        self.notes = notes
    }
}
