import Foundation

/// The unit of a limit or a capacity: amperes per phase or watts in total (kW is read as 1000 W).
public enum LimitUnit: String, Codable, Sendable, Hashable, CaseIterable {
    case a = "A"
    case w = "W"

    /// Reads `A`, `W` or `kW` (any case) and the value in it; kW becomes W.
    public static func parse(value: Decimal, unit text: String) throws(LimitInputError) -> (value: Decimal, unit: LimitUnit) {
        switch text.lowercased() {
        case "a": return (value, .a)
        case "w": return (value, .w)
        case "kw": return (value * 1000, .w)
        default: throw LimitInputError("unknown unit '\(text)': use A, W or kW")
        }
    }

    public var ocpp: ChargingRateUnitType { self == .a ? .a : .w }

    /// Converts with the nominal voltage: W = A × V × phases, rounded down to 0.1 (a cap is never exceeded).
    public func convert(_ value: Decimal, to target: LimitUnit, phases: Int, nominalVoltage: Decimal = 230) -> Decimal {
        CompositeSchedule.convert(value, from: ocpp, to: target.ocpp, phases: phases, nominalVoltage: nominalVoltage)
    }
}

/// A limit, agent or group that cannot be accepted; `description` is one line naming the fix.
public struct LimitInputError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
