import Foundation

/// Whether a charger draws what its limit allows, from its meter values: the drawn current (the highest phase of
/// Current.Import) against a limit in A, the drawn power (Power.Active.Import) against a limit in W, with a
/// tolerance; a charger over the limit for longer than the grace period (by its own sample times) is flagged.
public struct LimitCompliance: Sendable, Hashable {
    public enum State: String, Codable, Sendable, Hashable {
        case unknown, ok, over, ignored
    }

    /// Relative tolerance over the limit (meters and converters are not exact).
    public var tolerance: Decimal
    /// Absolute slack: 0.5 A or 200 W, whichever unit.
    public var slackAmps: Decimal
    public var slackWatts: Decimal
    /// Seconds a charger may stay above its limit (settling, ramping down) before it counts as ignoring it.
    public var graceSeconds: Int64

    public private(set) var state: State = .unknown
    /// Sample time (ms) of the first reading above the limit in the current run of such readings.
    public private(set) var overSinceMs: Int64?
    public private(set) var lastDrawn: Decimal?
    public private(set) var lastLimit: Decimal?

    public init(tolerance: Decimal = 0.05, slackAmps: Decimal = 0.5, slackWatts: Decimal = 200, graceSeconds: Int64 = 60) {
        self.tolerance = tolerance
        self.slackAmps = slackAmps
        self.slackWatts = slackWatts
        self.graceSeconds = graceSeconds
    }

    /// Forgets the run above the limit (a new limit was sent: it gets its own grace period).
    public mutating func reset() {
        state = .unknown
        overSinceMs = nil
    }

    /// Takes one reading; returns true when the charger has just become `ignored`.
    public mutating func observe(drawn: Decimal, limit: Decimal, unit: LimitUnit, atMs: Int64) -> Bool {
        lastDrawn = drawn
        lastLimit = limit
        let allowed = limit * (1 + tolerance) + (unit == .a ? slackAmps : slackWatts)
        guard drawn > allowed else {
            overSinceMs = nil
            state = .ok
            return false
        }
        let since = overSinceMs ?? atMs
        overSinceMs = since
        if atMs - since >= graceSeconds * 1000 {
            defer { state = .ignored }
            return state != .ignored
        }
        if state != .ignored { state = .over }
        return false
    }
}

extension LimitCompliance {
    /// What one meter value says the connector draws, in `unit`. Power.Active.Import is preferred (the total, else
    /// the phases summed): it is what a limit in W caps, and a limit in A is compared as the equivalent current
    /// (W / (230 V × phases)), which holds for AC and for DC chargers that read amperes as AC input current (the ABB
    /// Terra 54 does; their Current.Import is the DC output current). The phases are those Current.Import reports
    /// (L1-L3), else `phases`. Without a power reading, the highest phase of Current.Import is compared directly.
    public static func drawn(_ meterValue: MeterValue, unit: LimitUnit, phases: Int) -> Decimal? {
        var current: Decimal?
        // A sample without a phase is the total; per-phase samples add up to it. A charger may send both.
        var totalPower: Decimal?
        var phasePower: Decimal?
        var seenPhases: Set<String> = []
        for sample in meterValue.sampledValue where sample.location == nil || sample.location == .outlet {
            guard let measurand = sample.measurand?.rawValue, measurand == "Current.Import" || measurand == "Power.Active.Import" else { continue }
            let defaultUnit = MeterUnits.defaultUnit(for: measurand)
            guard let value = MeterUnits.baseValue(of: sample.value, unit: sample.unit?.rawValue ?? defaultUnit)?.decimal else { continue }
            let phase = sample.phase?.rawValue ?? ""
            if measurand == "Current.Import" {
                // The neutral carries no load current of its own.
                if phase == "N" { continue }
                if ["L1", "L2", "L3"].contains(phase) { seenPhases.insert(phase) }
                current = max(current ?? value, value)
            } else if phase.isEmpty {
                totalPower = max(totalPower ?? value, value)
            } else if phase != "N" {
                phasePower = (phasePower ?? 0) + value
            }
        }
        let power = totalPower ?? phasePower
        let drawnPhases = Decimal(seenPhases.isEmpty ? phases : seenPhases.count)
        switch unit {
        case .w: return power ?? current.map { LimitUnit.a.convert($0, to: .w, phases: seenPhases.isEmpty ? phases : seenPhases.count) }
        case .a: return power.map { $0 / (230 * drawnPhases) } ?? current
        }
    }
}
