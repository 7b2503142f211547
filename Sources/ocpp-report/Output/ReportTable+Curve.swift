import Foundation

extension ReportTable {
    static let curveColumns = [
        "timestamp", "power_w", "power_source", "current_l1_a", "current_l2_a", "current_l3_a", "current_a", "voltage_v", "energy_wh",
        "register_wh", "soc_pct", "offered_current_a", "offered_power_w", "limit_w",
    ]

    init(curve: [CurvePoint]) {
        self.init(
            columns: Self.curveColumns,
            rows: curve.map { p in
                [
                    .time(p.atMs), .optional(p.powerW, places: 1), .optional(p.powerSource), .optional(p.currentL1, places: 2),
                    .optional(p.currentL2, places: 2), .optional(p.currentL3, places: 2), .optional(p.current, places: 2),
                    .optional(p.voltage, places: 1), .optional(p.energyWh, places: 0),
                    .optional(p.registerWh, trimmedTo: 3), .optional(p.soc, places: 1),
                    .optional(p.offeredCurrent, places: 1), .optional(p.offeredPower, places: 0), .optional(p.limitW, places: 0),
                ]
            }
        )
    }
}
