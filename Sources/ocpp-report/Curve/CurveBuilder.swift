import Foundation

/// The time series of one session from its stored meter values.
enum CurveBuilder {
    static func points(_ facts: TransactionFacts, samples: [MeterSample], tolerance: Double = 100) -> [CurvePoint] {
        var facts = facts
        let registers = samples.filter(isRegister).map { ($0.atMs, $0.value) }
        facts.register = RegisterStats(series: registers)
        let factor = SessionAnalysis.registerFactor(facts)
        var points: [CurvePoint] = []
        var previousRegister: Double?
        var energy = 0.0
        var previousEnergy: (Int64, Double)?
        var index = 0
        while index < samples.count {
            let at = samples[index].atMs
            var group: [MeterSample] = []
            while index < samples.count && samples[index].atMs == at {
                group.append(samples[index])
                index += 1
            }
            var point = CurvePoint(atMs: at)
            let sent = group.filter(isRegister).map(\.value).max()
            point.registerWh = sent
            if let register = sent.map({ $0 * factor }) {
                if let previous = previousRegister {
                    energy += register >= previous ? register - previous : register
                } else if let start = facts.meterStart.map(Double.init) {
                    energy = register >= start - tolerance ? max(register - start, 0) : register
                }
                previousRegister = register
                point.energyWh = energy
                if let (t, e) = previousEnergy, at > t {
                    point.powerW = (energy - e) * 3_600_000 / Double(at - t)
                    point.powerSource = "derived"
                }
                previousEnergy = (at, energy)
            }
            let power = group.filter { $0.measurand == "Power.Active.Import" }
            if let total = power.first(where: { $0.phase.isEmpty }) {
                point.powerW = total.value
                point.powerSource = "measured"
            } else if !power.isEmpty {
                point.powerW = power.reduce(0) { $0 + $1.value }
                point.powerSource = "measured"
            }
            for s in group where s.measurand == "Current.Import" {
                switch s.phase {
                case "L1", "L1-N": point.currentL1 = s.value
                case "L2", "L2-N": point.currentL2 = s.value
                case "L3", "L3-N": point.currentL3 = s.value
                case "": point.current = s.value
                default: break
                }
            }
            let volts = group.filter { $0.measurand == "Voltage" }
            if let plain = volts.first(where: { $0.phase.isEmpty }) {
                point.voltage = plain.value
            } else {
                let phases = volts.filter { ["L1-N", "L2-N", "L3-N", "L1", "L2", "L3"].contains($0.phase) }
                if !phases.isEmpty { point.voltage = phases.reduce(0) { $0 + $1.value } / Double(phases.count) }
            }
            point.soc = group.first { $0.measurand == "SoC" }?.value
            point.offeredCurrent = group.first { $0.measurand == "Current.Offered" && $0.phase.isEmpty }?.value
            point.offeredPower = group.first { $0.measurand == "Power.Offered" && $0.phase.isEmpty }?.value
            if let offered = point.offeredPower {
                point.limitW = offered
            } else if let amps = point.offeredCurrent, let volts = point.voltage {
                let phases = [point.currentL1, point.currentL2, point.currentL3].compactMap { $0 }.filter { $0 > 0 }.count
                point.limitW = amps * volts * Double(max(phases, 1))
            }
            points.append(point)
        }
        return points
    }

    static func isRegister(_ s: MeterSample) -> Bool {
        s.measurand == "Energy.Active.Import.Register" && s.phase.isEmpty && s.location != "Inlet" && s.location != "EV"
    }
}

extension RegisterStats {
    /// The same aggregates `ReportStore` computes in SQL, from samples in Swift (`curve`, tests).
    init?(series: [(Int64, Double)]) {
        let sorted = series.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        guard let first = sorted.first else { return nil }
        self.init(atMs: first.0, value: first.1)
        for (a, b) in zip(sorted, sorted.dropFirst()) { add(atMs: b.0, value: b.1, previous: a.1) }
    }
}
