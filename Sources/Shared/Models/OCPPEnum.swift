/// An OCPP enumeration that stays open: a value outside the specification's list (chargers send `Hz`, `kwh`, vendor
/// reasons) is kept as its raw string instead of failing the whole message.
///
/// The generated types (`Measurand`, `UnitOfMeasure`, …) are structs with one static constant per specified value,
/// in schema order, listed in `allCases`. They encode and decode as a single JSON string.
public protocol OCPPEnum: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible, CaseIterable
where RawValue == String, AllCases == [Self] {
    /// Wraps any string, specified or not; never fails.
    init(rawValue: String)
}

extension OCPPEnum {
    /// The raw value, as sent on the wire.
    public var description: String { rawValue }

    /// True when the value is one the specification lists (`allCases`); false for vendor or misspelled values.
    public var isKnown: Bool { Self.allCases.contains(self) }
}
