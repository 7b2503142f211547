import Foundation
import Testing

@testable import Shared

@Suite struct LimitComplianceTests {
    static func d(_ text: String) -> Decimal { Decimal(string: text)! }
    static let t0: Int64 = 1_781_000_000_000

    // MARK: - observe

    @Test func toleranceAndSlack() {
        var compliance = LimitCompliance()
        #expect(compliance.state == .unknown)
        // 16 A × 1.05 + 0.5 = 17.3 A allowed.
        #expect(compliance.observe(drawn: Self.d("17.3"), limit: 16, unit: .a, atMs: Self.t0) == false)
        #expect(compliance.state == .ok)
        #expect(compliance.lastDrawn == Self.d("17.3"))
        #expect(compliance.lastLimit == 16)
        #expect(compliance.observe(drawn: Self.d("17.4"), limit: 16, unit: .a, atMs: Self.t0 + 1000) == false)
        #expect(compliance.state == .over)
        #expect(compliance.overSinceMs == Self.t0 + 1000)
        // 11040 W × 1.05 + 200 = 11792 W allowed.
        var watts = LimitCompliance()
        _ = watts.observe(drawn: 11792, limit: 11040, unit: .w, atMs: Self.t0)
        #expect(watts.state == .ok)
        _ = watts.observe(drawn: Self.d("11792.1"), limit: 11040, unit: .w, atMs: Self.t0)
        #expect(watts.state == .over)
        // Custom tolerance.
        var strict = LimitCompliance(tolerance: 0, slackAmps: 0, slackWatts: 0)
        _ = strict.observe(drawn: Self.d("16.01"), limit: 16, unit: .a, atMs: Self.t0)
        #expect(strict.state == .over)
    }

    /// Over the limit for the grace period, by sample time: ignored, reported once.
    @Test func gracePeriodBySampleTime() {
        var compliance = LimitCompliance(graceSeconds: 60)
        #expect(compliance.observe(drawn: 30, limit: 16, unit: .a, atMs: Self.t0) == false)
        #expect(compliance.state == .over)
        #expect(compliance.observe(drawn: 30, limit: 16, unit: .a, atMs: Self.t0 + 59_999) == false)
        #expect(compliance.state == .over)
        #expect(compliance.overSinceMs == Self.t0)
        #expect(compliance.observe(drawn: 30, limit: 16, unit: .a, atMs: Self.t0 + 60_000) == true)
        #expect(compliance.state == .ignored)
        // Reported once.
        #expect(compliance.observe(drawn: 31, limit: 16, unit: .a, atMs: Self.t0 + 70_000) == false)
        #expect(compliance.observe(drawn: 31, limit: 16, unit: .a, atMs: Self.t0 + 3_600_000) == false)
        #expect(compliance.state == .ignored)
        // Back under: ok; over again: a new grace period.
        #expect(compliance.observe(drawn: 15, limit: 16, unit: .a, atMs: Self.t0 + 3_700_000) == false)
        #expect(compliance.state == .ok)
        #expect(compliance.overSinceMs == nil)
        #expect(compliance.observe(drawn: 30, limit: 16, unit: .a, atMs: Self.t0 + 3_800_000) == false)
        #expect(compliance.state == .over)
        #expect(compliance.overSinceMs == Self.t0 + 3_800_000)
        #expect(compliance.observe(drawn: 30, limit: 16, unit: .a, atMs: Self.t0 + 3_860_000) == true)
        #expect(compliance.state == .ignored)
    }

    @Test func sampleUnderTheLimitBreaksTheRun() {
        var compliance = LimitCompliance(graceSeconds: 60)
        _ = compliance.observe(drawn: 30, limit: 16, unit: .a, atMs: Self.t0)
        _ = compliance.observe(drawn: 10, limit: 16, unit: .a, atMs: Self.t0 + 30_000)
        #expect(compliance.observe(drawn: 30, limit: 16, unit: .a, atMs: Self.t0 + 61_000) == false)
        #expect(compliance.state == .over)
        #expect(compliance.overSinceMs == Self.t0 + 61_000)
    }

    @Test func resetStartsANewGracePeriod() {
        var compliance = LimitCompliance(graceSeconds: 60)
        _ = compliance.observe(drawn: 30, limit: 16, unit: .a, atMs: Self.t0)
        #expect(compliance.observe(drawn: 30, limit: 16, unit: .a, atMs: Self.t0 + 60_000) == true)
        compliance.reset()
        #expect(compliance.state == .unknown)
        #expect(compliance.overSinceMs == nil)
        #expect(compliance.observe(drawn: 30, limit: 16, unit: .a, atMs: Self.t0 + 61_000) == false)
        #expect(compliance.state == .over)
        #expect(compliance.observe(drawn: 30, limit: 16, unit: .a, atMs: Self.t0 + 121_000) == true)
    }

    @Test func zeroGraceIsIgnoredAtOnce() {
        var compliance = LimitCompliance(graceSeconds: 0)
        #expect(compliance.observe(drawn: 30, limit: 16, unit: .a, atMs: Self.t0) == true)
        #expect(compliance.state == .ignored)
        #expect(compliance.observe(drawn: 30, limit: 16, unit: .a, atMs: Self.t0) == false)
    }

    // MARK: - drawn

    static func sample(_ value: String, _ measurand: Measurand?, phase: Phase? = nil, unit: UnitOfMeasure? = nil, location: Location? = nil) -> SampledValue {
        SampledValue(value: value, measurand: measurand, phase: phase, location: location, unit: unit)
    }

    static func meter(_ samples: [SampledValue]) -> MeterValue {
        MeterValue(timestamp: Timestamp(milliseconds: t0), sampledValue: samples)
    }

    @Test func currentIsTheHighestPhase() {
        let value = Self.meter([
            Self.sample("10.2", .currentImport, phase: .l1),
            Self.sample("12.5", .currentImport, phase: .l2),
            Self.sample("11", .currentImport, phase: .l3),
            Self.sample("20", .currentImport, phase: Phase(rawValue: "N")),
            Self.sample("1234", .energyActiveImportRegister),
        ])
        #expect(LimitCompliance.drawn(value, unit: .a, phases: 3) == Self.d("12.5"))
        // Only the current sampled: converted with the phases it reports (12.5 × 230 × 3), whatever `phases` says.
        #expect(LimitCompliance.drawn(value, unit: .w, phases: 3) == Self.d("8625"))
        #expect(LimitCompliance.drawn(value, unit: .w, phases: 1) == Self.d("8625"))
        // Without phase labels, with `phases`.
        let unlabelled = Self.meter([Self.sample("12.5", .currentImport)])
        #expect(LimitCompliance.drawn(unlabelled, unit: .w, phases: 1) == Self.d("2875"))
    }

    @Test func powerIsSummedOverPhases() {
        let value = Self.meter([
            Self.sample("3000", .powerActiveImport, phase: .l1),
            Self.sample("3100", .powerActiveImport, phase: .l2),
            Self.sample("2900", .powerActiveImport, phase: .l3),
        ])
        #expect(LimitCompliance.drawn(value, unit: .w, phases: 3) == 9000)
        // Compared as the equivalent current per phase: 9000 / (230 × 3).
        #expect(LimitCompliance.drawn(value, unit: .a, phases: 3) == Decimal(9000) / 690)
    }

    @Test func kilowattsAreNormalised() {
        let value = Self.meter([Self.sample("7.4", .powerActiveImport, unit: .kW)])
        #expect(LimitCompliance.drawn(value, unit: .w, phases: 1) == 7400)
        #expect(LimitCompliance.drawn(value, unit: .a, phases: 1) == Decimal(7400) / 230)
        let noUnit = Self.meter([Self.sample("7400", .powerActiveImport)])
        #expect(LimitCompliance.drawn(noUnit, unit: .w, phases: 3) == 7400)
    }

    /// A charger that sends the total and the phases: the total, not their sum.
    @Test func powerTotalIsNotAddedToItsPhases() {
        let value = Self.meter([
            Self.sample("9000", .powerActiveImport),
            Self.sample("3000", .powerActiveImport, phase: .l1),
            Self.sample("3000", .powerActiveImport, phase: .l2),
            Self.sample("3000", .powerActiveImport, phase: .l3),
        ])
        #expect(LimitCompliance.drawn(value, unit: .w, phases: 3) == 9000)
        let phaseToNeutral = Self.meter([
            Self.sample("9.2", .powerActiveImport, unit: .kW),
            Self.sample("3.1", .powerActiveImport, phase: Phase(rawValue: "L1-N"), unit: .kW),
            Self.sample("3.1", .powerActiveImport, phase: Phase(rawValue: "L2-N"), unit: .kW),
            Self.sample("3", .powerActiveImport, phase: Phase(rawValue: "L3-N"), unit: .kW),
        ])
        #expect(LimitCompliance.drawn(phaseToNeutral, unit: .w, phases: 3) == 9200)
    }

    /// Power is preferred for both units: a DC charger's Current.Import is its output current, while a limit in A
    /// caps its AC input (A × 230 V × 3).
    @Test func powerIsPreferredForBothUnits() {
        let dc = Self.meter([
            Self.sample("55", .currentImport),
            Self.sample("22080", .powerActiveImport),
        ])
        #expect(LimitCompliance.drawn(dc, unit: .a, phases: 3) == 32)
        #expect(LimitCompliance.drawn(dc, unit: .w, phases: 3) == 22080)
        // AC on one phase: the phases Current.Import reports convert the power.
        let singlePhase = Self.meter([
            Self.sample("16", .currentImport, phase: .l1),
            Self.sample("3680", .powerActiveImport),
        ])
        #expect(LimitCompliance.drawn(singlePhase, unit: .a, phases: 3) == 16)
    }

    @Test func onlyOutletOrUnlocatedSamplesCount() {
        let value = Self.meter([
            Self.sample("40", .currentImport, location: .inlet),
            Self.sample("14", .currentImport, location: .outlet),
            Self.sample("13", .currentImport),
            Self.sample("50", .currentImport, location: .ev),
        ])
        #expect(LimitCompliance.drawn(value, unit: .a, phases: 3) == 14)
    }

    @Test func nothingUsefulGivesNil() {
        #expect(LimitCompliance.drawn(Self.meter([Self.sample("1234", .energyActiveImportRegister)]), unit: .a, phases: 3) == nil)
        #expect(LimitCompliance.drawn(Self.meter([Self.sample("1234", nil)]), unit: .w, phases: 3) == nil)
        #expect(LimitCompliance.drawn(Self.meter([Self.sample("abc", .currentImport)]), unit: .a, phases: 3) == nil)
        #expect(LimitCompliance.drawn(Self.meter([Self.sample("16", .currentImport, unit: UnitOfMeasure(rawValue: "furlong"))]), unit: .a, phases: 3) == nil)
    }
}
