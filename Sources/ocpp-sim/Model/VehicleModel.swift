import Foundation

/// An electric vehicle as a charger sees it: battery size, the DC power its battery accepts as SoC rises, and its
/// on-board charger's AC limits.
struct VehicleModel: Codable, Sendable, Hashable {
    var name: String
    /// Usable battery capacity in Wh.
    var capacity: Double
    /// Peak DC charging power in W.
    var dcMaxPower: Double
    /// (SoC %, fraction of `dcMaxPower`) points; linear between them. Also caps AC charging near full.
    var curve: [[Double]]
    /// On-board charger: phases used and current per phase.
    var acPhases: Int
    var acMaxCurrent: Double
    /// Battery voltage at 0 % and 100 % SoC (DC voltage reported while charging).
    var voltageEmpty: Double
    var voltageFull: Double

    /// The fraction of peak power the battery takes at `soc` (0…100).
    func acceptance(atSoC soc: Double) -> Double {
        guard let first = curve.first, let last = curve.last else { return 1 }
        if soc <= first[0] { return first[1] }
        if soc >= last[0] { return last[1] }
        for (a, b) in zip(curve, curve.dropFirst()) where soc >= a[0] && soc <= b[0] {
            let t = b[0] == a[0] ? 0 : (soc - a[0]) / (b[0] - a[0])
            return a[1] + t * (b[1] - a[1])
        }
        return last[1]
    }

    /// The most the battery takes at `soc`, in W.
    func batteryLimit(atSoC soc: Double) -> Double {
        dcMaxPower * acceptance(atSoC: soc)
    }

    func dcVoltage(atSoC soc: Double) -> Double {
        voltageEmpty + (voltageFull - voltageEmpty) * min(max(soc, 0), 100) / 100
    }

    static func named(_ name: String) -> VehicleModel? {
        builtIn.first { $0.name == name.lowercased() }
    }

    /// A Nissan Leaf (40 kWh) tapers after about 60 % SoC; an Audi e-tron (95 kWh) holds full power to about 96 %.
    static let builtIn: [VehicleModel] = [
        VehicleModel(
            name: "leaf", capacity: 40_000, dcMaxPower: 46_000,
            curve: [[0, 0.85], [10, 1], [60, 1], [70, 0.7], [80, 0.45], [90, 0.25], [100, 0.05]],
            acPhases: 1, acMaxCurrent: 29, voltageEmpty: 300, voltageFull: 403
        ),
        VehicleModel(
            name: "etron", capacity: 95_000, dcMaxPower: 150_000,
            curve: [[0, 0.9], [5, 1], [96, 1], [98, 0.4], [100, 0.05]],
            acPhases: 3, acMaxCurrent: 16, voltageEmpty: 340, voltageFull: 450
        ),
    ]
}
