import Foundation
import Shared
import Yams

/// What a simulated charger is: identity strings, connectors and their electrical limits, the smart-charging units
/// it accepts and the vendor quirks it shows. Built in (`ChargerTemplate.builtIn`) or read from a YAML/JSON file.
struct ChargerTemplate: Codable, Sendable, Hashable {
    struct Connector: Codable, Sendable, Hashable {
        /// `Type2`, `CCS`, `CHAdeMO`: informative.
        var type: String
        /// DC connectors charge from the vehicle's battery curve and report SoC.
        var dc: Bool
        /// AC phases (1 or 3); DC connectors draw from a three-phase supply.
        var phases: Int
        /// Per-phase AC current limit, or the DC output current limit.
        var maxCurrent: Double
        /// Output power limit in W.
        var maxPower: Double
    }

    var name: String
    var description: String
    var vendor: String
    var model: String
    var firmware: String
    var connectors: [Connector]
    /// `ChargingScheduleAllowedChargingRateUnit`: `Current`, `Power` or both.
    var allowedUnits: [String]
    /// Only one DC connector charges at a time (ABB Terra 54: CCS or CHAdeMO).
    var exclusiveDC: Bool
    /// A limit in A at or above this means "unlimited" (ABB Terra 54: 125 A).
    var unlimitedAmps: Double
    /// Nominal AC voltage per phase.
    var voltage: Double
    /// Quirk modes this model shows by default (`--quirk` adds more, `--no-quirks` removes them).
    var quirks: [QuirkMode]
    /// The energy register of the meter when the simulation starts (Wh; lifetime register, not per session).
    var meterStart: Double

    var hasDC: Bool { connectors.contains { $0.dc } }

    /// The measurands the meter can sample (MeterValuesSampledData must be a subset).
    var supportedMeasurands: [String] {
        var list = ["Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "Voltage", "Current.Offered", "Power.Offered",
                    "Frequency", "Temperature"]
        if hasDC { list.append("SoC") }
        return list
    }

    var defaultSampledData: String {
        hasDC
            ? "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,Power.Offered,SoC"
            : "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,Current.Offered"
    }

    /// Reads a template file: YAML or JSON, every field as above.
    static func load(path: String) throws -> ChargerTemplate {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try YAMLDecoder().decode(ChargerTemplate.self, from: text)
    }

    static func named(_ name: String) -> ChargerTemplate? {
        builtIn.first { $0.name == name.lowercased() }
    }
}

extension ChargerTemplate {
    /// The four built-in models, after chargers in the local traces (../shared/ocpp/traces/README).
    static let builtIn: [ChargerTemplate] = [
        ChargerTemplate(
            name: "ac7", description: "single-phase AC 7.4 kW wallbox, one Type 2 socket (like the ABB Terra AC)",
            vendor: "Chargedot", model: "CDT_TACW7::NET_WIFI", firmware: "TAC1Z9118606710273::V1.3.5",
            connectors: [Connector(type: "Type2", dc: false, phases: 1, maxCurrent: 32, maxPower: 7_360)],
            allowedUnits: ["Current", "Power"], exclusiveDC: false, unlimitedAmps: 32, voltage: 230,
            quirks: [.wrongCase, .nullStrings], meterStart: 0
        ),
        ChargerTemplate(
            name: "ac22", description: "three-phase AC 22 kW, one Type 2 socket (like the Etrel INCH Pro)",
            vendor: "Etrel", model: "INCH Pro", firmware: "5.1.14",
            connectors: [Connector(type: "Type2", dc: false, phases: 3, maxCurrent: 32, maxPower: 22_080)],
            allowedUnits: ["Current", "Power"], exclusiveDC: false, unlimitedAmps: 32, voltage: 230,
            quirks: [.emptyStrings], meterStart: 1_254_300
        ),
        ChargerTemplate(
            name: "dc54", description: "DC fast charger: AC 22 kW + CCS 50 kW + CHAdeMO 50 kW, one DC connector at a time, limits in A only (125 A = unlimited) (like the ABB Terra 54)",
            vendor: "ABB", model: "Terra 54 HV", firmware: "1.6.52",
            connectors: [
                Connector(type: "Type2", dc: false, phases: 3, maxCurrent: 32, maxPower: 22_080),
                Connector(type: "CCS", dc: true, phases: 3, maxCurrent: 125, maxPower: 50_000),
                Connector(type: "CHAdeMO", dc: true, phases: 3, maxCurrent: 125, maxPower: 50_000),
            ],
            allowedUnits: ["Current"], exclusiveDC: true, unlimitedAmps: 125, voltage: 230,
            quirks: [], meterStart: 8_412_000
        ),
        ChargerTemplate(
            name: "dc24", description: "DC wallbox 24 kW, CCS + CHAdeMO, limits in W or A (like the ABB Terra DC wallbox)",
            vendor: "ABB", model: "Terra DC Wallbox", firmware: "1.3.2",
            connectors: [
                Connector(type: "CCS", dc: true, phases: 3, maxCurrent: 60, maxPower: 24_000),
                Connector(type: "CHAdeMO", dc: true, phases: 3, maxCurrent: 60, maxPower: 24_000),
            ],
            allowedUnits: ["Current", "Power"], exclusiveDC: true, unlimitedAmps: 40, voltage: 230,
            quirks: [], meterStart: 320_500
        ),
    ]
}
