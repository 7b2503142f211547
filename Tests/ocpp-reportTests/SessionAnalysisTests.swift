import Testing

@testable import ocpp_report

@Suite struct SessionAnalysisTests {
    /// A stopped session from meterStart 10 000 Wh to 20 000 Wh with a register sample every minute for an hour.
    static func facts(
        meterStart: Int64? = 10_000,
        meterStop: Int64? = 20_000,
        stopped: Bool = true,
        registers: [(Int64, Double)]? = nil
    ) -> TransactionFacts {
        let series = registers ?? ramp(0...60)
        return TransactionFacts(
            id: 1,
            chargerID: "CP",
            connectorID: 1,
            idTag: "TAG",
            startMs: 0,
            meterStart: meterStart,
            stopMs: stopped ? 3_662_000 : nil,
            meterStop: stopped ? meterStop : nil,
            stopReason: stopped ? "Local" : nil,
            storedStale: false,
            receivedMs: 0,
            register: RegisterStats(series: series)
        )
    }

    let analysis = SessionAnalysis()

    /// One register sample a minute (plus a second), from `base` Wh rising `perMinute` Wh, divided by `scale`.
    static func ramp(_ range: ClosedRange<Int>, base: Double = 10_000, perMinute: Double = 10_000.0 / 60, scale: Double = 1) -> [(Int64, Double)] {
        var out: [(Int64, Double)] = []
        for i in range {
            let t = Int64(i) * 60_000 + 1_000
            let v = (base + Double(i) * perMinute) / scale
            out.append((t, v))
        }
        return out
    }

    @Test func aCleanSessionHasTheMeterEnergyAndNoFlag() {
        let report = analysis.analyse(Self.facts(), sampleIntervalSeconds: nil, clockOffsetMs: 2_000)
        #expect(report.flags.isEmpty)
        #expect(report.energyWh == 10_000 && report.energySource == "meter")
        #expect(abs((report.maxPowerW ?? 0) - 10_000) < 1, "10 kWh in an hour, derived from register deltas")
        #expect(report.durationSeconds == 3_662)
    }

    @Test(arguments: [(1000.0, 1000.0), (0.001, 0.001)])
    func aRegisterThousandfoldOffIsAUnitErrorAndCorrected(scale: Double, expectedFactor: Double) {
        // kWh values labelled Wh are stored 1000x too small (factor 1000 corrects); Wh labelled kWh 1000x too big.
        let series = Self.ramp(0...60, scale: scale)
        let report = analysis.analyse(Self.facts(registers: series), sampleIntervalSeconds: nil, clockOffsetMs: nil)
        #expect(report.flags == [.unitError])
        #expect(report.registerFactor == expectedFactor)
        #expect(abs((report.energyWh ?? 0) - 10_000) < 1)
        #expect(abs((report.maxPowerW ?? 0) - 10_000) < 5)
    }

    @Test func aUnitErrorIsFoundFromTheRiseWhenMeterStartIsZero() {
        let series = Self.ramp(0...60, base: 0, perMinute: 10.0 / 60)
        let report = analysis.analyse(Self.facts(meterStart: 0, meterStop: 10_000, registers: series), sampleIntervalSeconds: nil, clockOffsetMs: nil)
        #expect(report.flags == [.unitError] && report.registerFactor == 1000)
    }

    @Test func aRegisterResetIsFlaggedAndCountedFromZero() {
        // 10 000 -> 15 000 Wh, then the meter restarts at 0 and counts 5 000 Wh more: meterStop 5 000.
        var series = Self.ramp(0...30, perMinute: 5_000.0 / 30)
        series += Self.ramp(31...60, base: -5_000, perMinute: 5_000.0 / 30)
        let report = analysis.analyse(Self.facts(meterStop: 5_000, registers: series), sampleIntervalSeconds: nil, clockOffsetMs: nil)
        #expect(report.flags == [.registerReset])
        #expect(abs((report.energyWh ?? 0) - 10_000) < 200, "\(report.energyWh ?? -1)")
        #expect(report.energySource == "register")
    }

    @Test func meterStopBelowMeterStartWithoutSamplesIsAReset() {
        let report = analysis.analyse(Self.facts(meterStop: 3_000, registers: []), sampleIntervalSeconds: nil, clockOffsetMs: nil)
        #expect(report.flags == [.registerReset] && report.energyWh == 3_000)
    }

    @Test func aSilenceLongerThanThreeIntervalsIsAGap() {
        var series = Self.ramp(0...60)
        series.removeSubrange(20..<24)  // four samples missing: a 5-minute silence
        let report = analysis.analyse(Self.facts(registers: series), sampleIntervalSeconds: nil, clockOffsetMs: nil)
        #expect(report.flags == [.meterGap])
        var three = Self.ramp(0...60)
        three.removeSubrange(20..<22)  // two missing: three intervals, not longer
        #expect(analysis.analyse(Self.facts(registers: three), sampleIntervalSeconds: nil, clockOffsetMs: nil).flags.isEmpty)
    }

    @Test func aLateFirstSampleIsAGapToo() {
        let series = Self.ramp(4...60)
        #expect(analysis.analyse(Self.facts(registers: series), sampleIntervalSeconds: nil, clockOffsetMs: nil).flags == [.meterGap])
    }

    @Test func openTransactionsAreStaleOnlyWhenTheChargerWentOn() {
        var facts = Self.facts(stopped: false)
        #expect(analysis.analyse(facts, sampleIntervalSeconds: nil, clockOffsetMs: nil).flags.isEmpty, "in progress")
        facts.connectorFreedLater = true
        let stale = analysis.analyse(facts, sampleIntervalSeconds: nil, clockOffsetMs: nil)
        #expect(stale.flags == [.stale])
        #expect(stale.stopMs == nil && stale.energyWh == 10_000 && stale.durationSeconds == 3_601)
        facts.connectorFreedLater = false
        facts.storedStale = true
        #expect(analysis.analyse(facts, sampleIntervalSeconds: nil, clockOffsetMs: nil).flags == [.stale])
    }

    @Test func aStoppedSessionWithoutEnergyIsZeroEnergy() {
        var facts = Self.facts(meterStop: 10_000, registers: Self.ramp(0...3, perMinute: 0))
        facts.stopMs = 200_000
        let report = analysis.analyse(facts, sampleIntervalSeconds: nil, clockOffsetMs: nil)
        #expect(report.flags == [.zeroEnergy] && report.energyWh == 0)
    }

    @Test func theRegisterReadingsAreReportedAsSentBesideMeterStartAndStop() {
        let report = analysis.analyse(Self.facts(), sampleIntervalSeconds: nil, clockOffsetMs: nil)
        #expect(report.registerFirstWh == 10_000 && report.registerLastWh == 20_000)
        #expect(report.meterStartWh == 10_000 && report.meterStopWh == 20_000)
        // kWh labelled Wh: the readings stay as sent (1000x small); energy is corrected.
        let unitError = analysis.analyse(Self.facts(registers: Self.ramp(0...60, scale: 1000)), sampleIntervalSeconds: nil, clockOffsetMs: nil)
        #expect(unitError.registerFirstWh == 10 && unitError.registerLastWh == 20)
        #expect(unitError.flags == [.unitError])
        let none = analysis.analyse(Self.facts(registers: []), sampleIntervalSeconds: nil, clockOffsetMs: nil)
        #expect(none.registerFirstWh == nil && none.registerLastWh == nil && none.flags.isEmpty)
    }

    /// meterStop against the last register sample (20 000 Wh at 3 601 s; stop at 3 662 s, 61 s later; the fastest
    /// rise 10 kW): within 100 Wh + 1.5 x 10 kW x 61 s (354 Wh) ahead, or 100 Wh behind, agrees.
    @Test(arguments: [
        (20_000 as Int64, false), (20_090, false), (20_350, false), (19_950, false), (20_400, true), (25_000, true), (19_850, true),
    ])
    func meterStopFarFromTheLastSampleIsAMismatch(meterStop: Int64, mismatch: Bool) {
        let report = analysis.analyse(Self.facts(meterStop: meterStop), sampleIntervalSeconds: nil, clockOffsetMs: nil)
        #expect(report.flags.contains(.meterMismatch) == mismatch, "\(meterStop): \(report.flags)")
        #expect(report.registerLastWh == 20_000)
    }

    @Test func meterStartFarFromTheFirstSampleIsAMismatch() {
        // A meterStart of 0 under a register at 10 000 Wh one second later: 10 kWh cannot pass in a second.
        let zero = analysis.analyse(Self.facts(meterStart: 0), sampleIntervalSeconds: nil, clockOffsetMs: nil)
        #expect(zero.flags == [.meterMismatch])
        // The first sample 500 Wh below meterStart: the register fell (counted as a reset) and disagrees.
        let below = analysis.analyse(Self.facts(meterStart: 10_500), sampleIntervalSeconds: nil, clockOffsetMs: nil)
        #expect(below.flags == [.registerReset, .meterMismatch])
        // A first sample four minutes in, 667 Wh up: what 10 kW delivers in that time, so no mismatch.
        let late = analysis.analyse(Self.facts(registers: Self.ramp(4...60)), sampleIntervalSeconds: nil, clockOffsetMs: nil)
        #expect(!late.flags.contains(.meterMismatch))
        // An open session is checked at its start only.
        #expect(analysis.analyse(Self.facts(meterStart: 0, stopped: false), sampleIntervalSeconds: nil, clockOffsetMs: nil).flags == [.meterMismatch])
        #expect(analysis.analyse(Self.facts(stopped: false), sampleIntervalSeconds: nil, clockOffsetMs: nil).flags.isEmpty)
    }

    @Test func aUnitErrorAloneIsNoMismatch() {
        let report = analysis.analyse(Self.facts(registers: Self.ramp(0...60, scale: 1000)), sampleIntervalSeconds: nil, clockOffsetMs: nil)
        #expect(report.flags == [.unitError], "the readings are compared after the unit correction")
    }

    @Test func withOneSampleTheFallbackRateBoundsTheGap() {
        // One sample a minute before stop, 5 kWh short of meterStop: 350 kW could deliver that; 10 kWh it could not.
        var facts = Self.facts(meterStart: 10_000, meterStop: 15_000, registers: [(3_602_000, 10_000)])
        #expect(!analysis.analyse(facts, sampleIntervalSeconds: nil, clockOffsetMs: nil).flags.contains(.meterMismatch))
        facts.meterStop = 30_000
        #expect(analysis.analyse(facts, sampleIntervalSeconds: nil, clockOffsetMs: nil).flags.contains(.meterMismatch))
    }

    @Test func clockSkewAboveTheLimitIsFlagged() {
        #expect(analysis.analyse(Self.facts(), sampleIntervalSeconds: nil, clockOffsetMs: 600_000).flags == [.clockSkew])
        #expect(analysis.analyse(Self.facts(), sampleIntervalSeconds: nil, clockOffsetMs: -299_000).flags.isEmpty)
        #expect(
            SessionAnalysis(maxClockSkewSeconds: 60).analyse(Self.facts(), sampleIntervalSeconds: nil, clockOffsetMs: 90_000).flags == [.clockSkew]
        )
    }
}
