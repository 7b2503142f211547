import Foundation

/// Turns the stored facts of a transaction into a `SessionReport`: energy with unit and reset corrections, power,
/// and the data-quality flags. Pure: the same facts always give the same row, so `sessions` and `summary` agree.
struct SessionAnalysis: Sendable {
    /// Flag clock skew above this (seconds).
    var maxClockSkewSeconds: Double = 300
    /// Register falls smaller than this at the session's ends (meterStart, meterStop) are rounding, not resets (Wh).
    var boundaryTolerance: Double = 100
    /// Between a register sample and meterStart/meterStop the session can deliver at most its fastest register rise
    /// times this margin (rises are averages over a sample interval, so the instantaneous peak is higher).
    var mismatchRateMargin: Double = 1.5
    /// The rate assumed when fewer than two register samples give one (W): the fastest DC chargers.
    var fallbackPeakPowerW: Double = 350_000

    func analyse(_ facts: TransactionFacts, sampleIntervalSeconds configured: Double?, clockOffsetMs: Double?) -> SessionReport {
        var flags: Set<DataQualityFlag> = []
        let register = facts.register
        let factor = Self.registerFactor(facts)
        if factor != 1 { flags.insert(.unitError) }

        // Energy: the chain meterStart -> samples -> meterStop, each fall counted as a reset to zero.
        var energy: Double?
        var source = ""
        if let register {
            let first = register.first * factor
            let last = register.last * factor
            var total = factor * (register.rise + register.afterDrops)
            var reset = register.drops > 0
            if let start = facts.meterStart.map(Double.init) {
                if first >= start - boundaryTolerance {
                    total += first - start
                } else {
                    total += first
                    reset = true
                }
            }
            if let stop = facts.meterStop.map(Double.init), facts.stopMs != nil {
                if stop >= last - boundaryTolerance {
                    total += stop - last
                } else {
                    total += stop
                    reset = true
                }
            }
            if reset { flags.insert(.registerReset) }
            energy = max(total, 0)
            source = reset || facts.meterStop == nil || facts.stopMs == nil ? "register" : "meter"
        } else if let start = facts.meterStart, let stop = facts.meterStop, facts.stopMs != nil {
            if stop < start {
                flags.insert(.registerReset)
                energy = Double(stop)
            } else {
                energy = Double(stop - start)
            }
            source = "meter"
        }

        let open = facts.stopMs == nil
        if open && (facts.storedStale || facts.connectorFreedLater) { flags.insert(.stale) }
        if !open, let energy, energy < 1 { flags.insert(.zeroEnergy) }

        // Gaps: the longest silence between start, the register samples and stop, against the sample interval.
        if let register, register.count >= 1 {
            var longest = max(register.maxIntervalMs, register.firstAtMs - facts.startMs)
            if let stop = facts.stopMs { longest = max(longest, stop - register.lastAtMs) }
            let typical: Double?
            if register.intervals >= 3 {
                typical = Double(register.sumIntervalMs - register.maxIntervalMs) / Double(register.intervals - 1)
            } else {
                typical = configured.map { $0 * 1000 }
            }
            if let typical, typical > 0, Double(longest) > 3 * typical { flags.insert(.meterGap) }
        }

        if let offset = clockOffsetMs, abs(offset) > maxClockSkewSeconds * 1000 { flags.insert(.clockSkew) }
        if meterMismatch(facts, factor: factor) { flags.insert(.meterMismatch) }

        let end = facts.stopMs ?? max(facts.startMs, register?.lastAtMs ?? facts.startMs)
        let power = facts.measuredMaxPowerW ?? register?.maxDerivedPowerW.map { $0 * factor }
        return SessionReport(
            transactionID: facts.id,
            chargerID: facts.chargerID,
            connectorID: facts.connectorID,
            idTag: facts.idTag,
            startMs: facts.startMs,
            stopMs: facts.stopMs,
            durationSeconds: Double(end - facts.startMs) / 1000,
            meterStartWh: facts.meterStart,
            meterStopWh: facts.meterStop,
            registerFirstWh: register?.first,
            registerLastWh: register?.last,
            energyWh: energy,
            energySource: source,
            maxPowerW: power,
            socStart: facts.socStart,
            socEnd: facts.socEnd,
            stopReason: facts.stopReason,
            flags: flags.sorted(),
            registerFactor: factor,
            clockOffsetSeconds: clockOffsetMs.map { $0 / 1000 }
        )
    }

    /// True when meterStart or meterStop disagrees with the nearest register sample (unit corrected). A sample may lead
    /// meterStart, and meterStop may lead the last sample, by `boundaryTolerance` plus what the session could deliver
    /// in the time between (its fastest register rise x `mismatchRateMargin`, else `fallbackPeakPowerW`); a reading
    /// behind the other by more than `boundaryTolerance` disagrees outright. Open transactions are checked at the start.
    func meterMismatch(_ facts: TransactionFacts, factor: Double) -> Bool {
        guard let register = facts.register, register.count > 0 else { return false }
        let rateW = register.maxDerivedPowerW.map { $0 * factor * mismatchRateMargin } ?? fallbackPeakPowerW
        func disagree(lead: Double, overMs: Int64) -> Bool {
            lead < -boundaryTolerance || lead > boundaryTolerance + rateW * Double(max(overMs, 0)) / 3_600_000
        }
        if let start = facts.meterStart, disagree(lead: register.first * factor - Double(start), overMs: register.firstAtMs - facts.startMs) {
            return true
        }
        if let stop = facts.meterStop, let stopMs = facts.stopMs,
            disagree(lead: Double(stop) - register.last * factor, overMs: stopMs - register.lastAtMs)
        {
            return true
        }
        return false
    }

    /// 1000 when the register samples are about 1000x smaller than the meter readings of Start/StopTransaction (kWh
    /// values labelled Wh), 0.001 when 1000x larger (Wh values labelled kWh), else 1. Judged on the register's level
    /// against meterStart when that is large enough, else on its rise against meterStop - meterStart.
    static func registerFactor(_ facts: TransactionFacts) -> Double {
        guard let register = facts.register, register.count > 0 else { return 1 }
        func band(_ ratio: Double, low: Double, high: Double) -> Double? {
            if ratio >= low / 1000 && ratio <= high / 1000 { return 1000 }
            if ratio >= low * 1000 && ratio <= high * 1000 { return 0.001 }
            return nil
        }
        if let start = facts.meterStart, start >= 1000, register.first > 0 {
            let ratio = register.first / Double(start)
            if let factor = band(ratio, low: 0.5, high: 2) { return factor }
            if ratio >= 0.5 && ratio <= 2 { return 1 }
        }
        if let start = facts.meterStart, let stop = facts.meterStop, stop - start >= 500, register.rise > 0 {
            // The samples cover part of the session: their rise is between a fifth of the meter's energy and all of it.
            if let factor = band(register.rise / Double(stop - start), low: 0.2, high: 1.2) { return factor }
        }
        return 1
    }
}
