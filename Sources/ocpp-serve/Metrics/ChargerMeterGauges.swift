import CoreMetrics
import Metrics
import Shared
import Synchronization

/// Live power, current, state of charge and energy register per charger and connector, from each charger's latest
/// MeterValues, as gauges labeled `charger` and `connector`.
///
/// Labeling by charger id goes against conventions P12 (series that are never freed), so these series are bounded
/// twice: a charger's gauges are removed when it disconnects (only connected chargers have series), and at most
/// `limit` chargers have them at once (`--metrics-chargers`, default 1000; 0 turns them off); chargers beyond it are
/// counted in `ocpp_metrics_chargers_dropped_total` and still feed the fleet-wide energy counter.
final class ChargerMeterGauges: Sendable {
    let metrics: ServerMetrics
    let limit: Int
    private let state = Mutex<[String: Entry]>([:])

    private struct Entry {
        /// Whether this charger has series (false: over the limit while it stays connected).
        var hasSeries: Bool
        var connectors: [Int: ConnectorGauges] = [:]
        /// The last register reading per connector, kept across reconnects for `ocpp_energy_delivered_wh_total`.
        var lastRegisterWh: [Int: Double] = [:]
        var connected = true
    }

    private struct ConnectorGauges {
        var power: Gauge?
        var current: Gauge?
        var soc: Gauge?
        var register: Gauge?
    }

    /// What one meter value says, in base units; nil where the charger did not report it.
    struct Reading: Equatable {
        var powerW: Double?
        var currentA: Double?
        var socPercent: Double?
        var registerWh: Double?
    }

    init(metrics: ServerMetrics, limit: Int) {
        self.metrics = metrics
        self.limit = limit
    }

    /// Updates the gauges from a committed MeterValues (its latest meter value) and adds the register's rise.
    func observe(_ chargerID: String, _ request: MeterValuesRequest) {
        guard metrics.enabled, let meterValue = request.meterValue.last else { return }
        let reading = Self.reading(meterValue)
        let connector = request.connectorId
        let delivered: Double? = state.withLock { all in
            var entry = all[chargerID] ?? Entry(hasSeries: false)
            if !entry.connected || all[chargerID] == nil {
                entry.connected = true
                entry.hasSeries = limit > 0 && all.values.lazy.filter(\.hasSeries).count < limit
                if !entry.hasSeries { metrics.dropped.increment() }
            }
            var delivered: Double?
            if let wh = reading.registerWh {
                // A register that fell was reset (or reported in another unit): count from the new value on.
                if let last = entry.lastRegisterWh[connector], wh > last, wh - last < 1_000_000 { delivered = wh - last }
                entry.lastRegisterWh[connector] = wh
            }
            if entry.hasSeries {
                var gauges = entry.connectors[connector] ?? ConnectorGauges()
                let labels = { [("charger", chargerID), ("connector", String(connector))] }
                Self.set(&gauges.power, ServerMetrics.power, labels(), reading.powerW)
                Self.set(&gauges.current, ServerMetrics.current, labels(), reading.currentA)
                Self.set(&gauges.soc, ServerMetrics.stateOfCharge, labels(), reading.socPercent)
                Self.set(&gauges.register, ServerMetrics.energyRegister, labels(), reading.registerWh)
                entry.connectors[connector] = gauges
            }
            all[chargerID] = entry
            return delivered
        }
        if let delivered { metrics.energy.increment(by: delivered) }
    }

    /// The charger disconnected: its series go (the register readings stay, to count energy after a reconnect).
    func remove(_ chargerID: String) {
        let gone: [ConnectorGauges] = state.withLock { all in
            guard var entry = all[chargerID] else { return [] }
            let gauges = Array(entry.connectors.values)
            entry.connectors = [:]
            entry.hasSeries = false
            entry.connected = false
            all[chargerID] = entry
            return gauges
        }
        for gauges in gone {
            for gauge in [gauges.power, gauges.current, gauges.soc, gauges.register] { gauge?.destroy() }
        }
    }

    /// `labels` is built only when the gauge is made, once per connector, not on every MeterValues.
    private static func set(_ gauge: inout Gauge?, _ name: String, _ labels: @autoclosure () -> [(String, String)], _ value: Double?) {
        guard let value else { return }
        if gauge == nil { gauge = Gauge(label: name, dimensions: labels()) }
        gauge?.record(value)
    }

    /// Power: Power.Active.Import, the total else the phases summed; current: the highest phase of Current.Import;
    /// SoC; Energy.Active.Import.Register (the total). Only samples at the outlet (or without a location) count.
    static func reading(_ meterValue: MeterValue) -> Reading {
        var reading = Reading()
        var phasePower: Double?
        for sample in meterValue.sampledValue where sample.location == nil || sample.location == .outlet {
            let measurand = sample.measurand?.rawValue ?? "Energy.Active.Import.Register"
            guard
                measurand == "Power.Active.Import" || measurand == "Current.Import" || measurand == "SoC"
                    || measurand == "Energy.Active.Import.Register"
            else { continue }
            guard let value = MeterUnits.baseValue(of: sample.value, unit: sample.unit?.rawValue ?? MeterUnits.defaultUnit(for: measurand))?.double
            else { continue }
            let phase = sample.phase?.rawValue
            switch measurand {
            case "Power.Active.Import":
                if phase == nil {
                    reading.powerW = max(reading.powerW ?? value, value)
                } else if phase != "N" {
                    phasePower = (phasePower ?? 0) + value
                }
            case "Current.Import":
                if phase != "N" { reading.currentA = max(reading.currentA ?? value, value) }
            case "SoC":
                reading.socPercent = value
            default:
                if phase == nil { reading.registerWh = value }
            }
        }
        if reading.powerW == nil { reading.powerW = phasePower }
        return reading
    }
}
