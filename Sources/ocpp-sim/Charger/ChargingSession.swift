import Foundation
import Shared

/// One vehicle on one connector, from StartTransaction to StopTransaction, and the physics of its charging:
/// power = V × I × phases, the energy register rising with it, SoC rising with energy.
struct ChargingSession: Sendable {
    /// The simulator's own transaction number; the central system's id arrives with StartTransaction.conf.
    var localID: Int
    var connectorId: Int
    var idTag: String
    var vehicle: VehicleModel
    var soc: Double
    var startSoC: Double
    var targetSoC: Double
    var started: Date
    var meterStart: Int
    var reservationId: Int?
    /// Started by the scenario's driver (counted against `sessionsPerCharger`), not by RemoteStartTransaction.
    var scenario = true
    var energyWh: Double = 0
    var updated: Date
    var point = OperatingPoint.idle
    var maxPower: Double = 0
    /// When a full vehicle's driver comes back; set when the target SoC is reached.
    var leaveAt: Date?
    /// When the driver ends the session early, whatever the SoC.
    var earlyLeaveAt: Date?
    /// meter-gaps quirk: periodic samples still to skip.
    var samplesToSkip = 0
    var gapDone = false
    /// register-reset quirk: the register already fell back once.
    var registerResetDone = false
    /// A TxProfile that came with RemoteStartTransaction, installed once the transaction id is known.
    var pendingProfile: ChargingProfile?

    /// What the connector delivers at one instant.
    struct OperatingPoint: Sendable, Hashable {
        var power: Double
        /// Per-phase AC current, or the DC output current.
        var current: Double
        /// Per-phase AC voltage, or the DC voltage.
        var voltage: Double
        var phases: Int
        /// The limit in force (A per phase for AC, W for DC); nil: none beyond the hardware.
        var offeredCurrent: Double
        var offeredPower: Double
        var suspendedByEVSE: Bool
        var suspendedByEV: Bool

        static let idle = OperatingPoint(
            power: 0, current: 0, voltage: 0, phases: 0, offeredCurrent: 0, offeredPower: 0, suspendedByEVSE: false, suspendedByEV: false
        )
    }

    /// The operating point at `soc` under `limit` (from the composite schedule) on `spec`.
    /// AC below 6 A cannot charge (IEC 61851), so such limits suspend the session (SuspendedEVSE).
    static func operatingPoint(
        spec: ChargerTemplate.Connector,
        template: ChargerTemplate,
        vehicle: VehicleModel,
        soc: Double,
        targetSoC: Double,
        limit: (value: Decimal, unit: ChargingRateUnitType, phases: Int)?,
        blocked: Bool,
        voltageJitter: Double
    ) -> OperatingPoint {
        let full = soc >= targetSoC
        if spec.dc {
            var cap = spec.maxPower
            if let limit {
                let value = NSDecimalNumber(decimal: limit.value).doubleValue
                if limit.unit == .a {
                    if value < template.unlimitedAmps { cap = min(cap, value * template.voltage * 3) }
                } else {
                    cap = min(cap, value)
                }
            }
            let voltage = vehicle.dcVoltage(atSoC: soc)
            let offered = blocked ? 0 : cap
            var power = full || blocked ? 0 : min(cap, vehicle.batteryLimit(atSoC: soc), spec.maxCurrent * voltage)
            if power < 1 { power = 0 }
            return OperatingPoint(
                power: power, current: power / voltage, voltage: voltage, phases: 0, offeredCurrent: offered / (template.voltage * 3),
                offeredPower: offered, suspendedByEVSE: !full && (blocked || cap < 1), suspendedByEV: full
            )
        }
        let phases = max(1, min(spec.phases, vehicle.acPhases))
        let voltage = template.voltage * (1 + voltageJitter)
        var amps = spec.maxCurrent
        if let limit {
            let value = NSDecimalNumber(decimal: limit.value).doubleValue
            let limitAmps = limit.unit == .a ? value : value / (template.voltage * Double(phases))
            if limitAmps < template.unlimitedAmps { amps = min(amps, limitAmps) }
        }
        let offered = blocked ? 0 : amps
        let evseSuspends = blocked || amps < 6
        var drawn = full || evseSuspends ? 0 : min(amps, vehicle.acMaxCurrent)
        // Near full the battery takes less than the on-board charger could deliver.
        drawn = min(drawn, vehicle.batteryLimit(atSoC: soc) / (voltage * Double(phases)))
        let power = drawn * voltage * Double(phases)
        return OperatingPoint(
            power: power, current: drawn, voltage: voltage, phases: phases, offeredCurrent: offered,
            offeredPower: offered * template.voltage * Double(phases), suspendedByEVSE: !full && evseSuspends, suspendedByEV: full
        )
    }

    /// Charges from `updated` to `now` in steps of at most 10 simulated seconds; `pointAt` gives the operating point
    /// for a SoC at an instant (the limit may change inside the span). Returns the energy delivered in Wh.
    mutating func advance(to now: Date, pointAt: (Double, Date) -> OperatingPoint) -> Double {
        var t = updated
        var delivered = 0.0
        while t < now {
            let step = min(10, now.timeIntervalSince(t))
            let point = pointAt(soc, t)
            let wh = point.power * step / 3600
            delivered += wh
            soc = min(100, soc + wh / vehicle.capacity * 100)
            t = t.addingTimeInterval(step)
        }
        energyWh += delivered
        updated = now
        point = pointAt(soc, now)
        maxPower = max(maxPower, point.power)
        return delivered
    }
}
