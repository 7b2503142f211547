import Foundation
import Testing

@testable import Shared

@Suite struct CompositeScheduleTests {
    static func time(_ text: String) throws -> Timestamp {
        try #require(Timestamp(parsing: text))
    }

    static func profile(
        id: Int,
        stackLevel: Int = 0,
        purpose: ChargingProfilePurposeType,
        kind: ChargingProfileKindType = .absolute,
        recurrency: RecurrencyKindType? = nil,
        validFrom: Timestamp? = nil,
        validTo: Timestamp? = nil,
        startSchedule: Timestamp?,
        duration: Int? = nil,
        unit: ChargingRateUnitType = .a,
        periods: [(Int, Decimal)],
        phases: Int? = nil,
        transactionId: Int? = nil
    ) -> ChargingProfile {
        ChargingProfile(
            chargingProfileId: id,
            transactionId: transactionId,
            stackLevel: stackLevel,
            chargingProfilePurpose: purpose,
            chargingProfileKind: kind,
            recurrencyKind: recurrency,
            validFrom: validFrom,
            validTo: validTo,
            chargingSchedule: ChargingSchedule(
                duration: duration,
                startSchedule: startSchedule,
                chargingRateUnit: unit,
                chargingSchedulePeriod: periods.map { ChargingSchedulePeriod(startPeriod: $0.0, limit: $0.1, numberPhases: phases) }
            )
        )
    }

    /// The segments as (startPeriod, limit) pairs, for exact comparison.
    static func pairs(_ composite: CompositeSchedule) -> [Pair] {
        composite.segments.map { Pair(start: $0.startPeriod, limit: $0.limit) }
    }

    struct Pair: Equatable, CustomStringConvertible {
        var start: Int
        var limit: Decimal?
        var description: String { "(\(start), \(limit.map { "\($0)" } ?? "none"))" }
    }

    static func p(_ start: Int, _ limit: Decimal?) -> Pair { Pair(start: start, limit: limit) }

    // MARK: - The restaurant case

    /// A charger capped at 125 A, and at 32 A from 18:00 to 20:00 UTC every day (built the way ocpp-ctl builds it,
    /// on the day before): the composite for a whole day shows 125, then 32 from 18:00 to 20:00, then 125 again.
    @Test func restaurantDailyWindow() throws {
        var store = ChargingProfileStore()
        let maximum = Self.profile(
            id: 1,
            purpose: .chargePointMaxProfile,
            startSchedule: try Self.time("2026-01-01T00:00:00Z"),
            periods: [(0, 125)]
        )
        #expect(store.set(maximum, connectorId: 0, runningTransactionId: nil) == .accepted)
        let evening = try ChargingProfileBuilder(
            id: 2,
            stackLevel: 1,
            purpose: .chargePointMaxProfile,
            limit: 32,
            recurrence: .daily,
            startTime: "18:00",
            duration: 7200
        ).build(now: try Self.time("2026-03-01T09:30:12.345Z"))
        #expect(store.set(evening, connectorId: 0, runningTransactionId: nil) == .accepted)

        let day = try Self.time("2026-03-02T00:00:00Z")
        for connector in [0, 1] {
            let composite = CompositeSchedule(store: store, connectorId: connector, start: day, duration: 86_400)
            #expect(Self.pairs(composite) == [Self.p(0, 125), Self.p(64_800, 32), Self.p(72_000, 125)], "connector \(connector)")
            let schedule = composite.chargingSchedule
            #expect(schedule.startSchedule == day)
            #expect(schedule.duration == 86_400)
            #expect(schedule.chargingRateUnit == .a)
            #expect(
                schedule.chargingSchedulePeriod == [
                    ChargingSchedulePeriod(startPeriod: 0, limit: 125),
                    ChargingSchedulePeriod(startPeriod: 64_800, limit: 32),
                    ChargingSchedulePeriod(startPeriod: 72_000, limit: 125),
                ]
            )
        }

        let composite = CompositeSchedule(store: store, connectorId: 1, start: day, duration: 86_400)
        let atSeven = try #require(composite.limit(at: try Self.time("2026-03-02T19:00:00Z")))
        #expect(atSeven.value == 32 && atSeven.unit == .a && atSeven.phases == 3)
        #expect(composite.limit(at: try Self.time("2026-03-02T17:59:59Z"))?.value == 125)
        #expect(composite.limit(at: try Self.time("2026-03-02T20:00:00Z"))?.value == 125)
        #expect(composite.limit(at: try Self.time("2026-03-02T19:00:00Z"), in: .w)?.value == 22_080)
        #expect(composite.limit(at: try Self.time("2026-03-03T00:00:00Z")) == nil, "outside the window")

        // A window that starts inside the evening cap.
        let late = CompositeSchedule(store: store, connectorId: 1, start: try Self.time("2026-03-05T19:30:00Z"), duration: 3600)
        #expect(Self.pairs(late) == [Self.p(0, 32), Self.p(1800, 125)])
    }

    // MARK: - Stack levels and purposes

    /// The higher stack level wins while valid; the lower one resumes after its validTo, and a later validFrom takes
    /// over again.
    @Test func higherStackLevelWinsWhileValid() throws {
        let start = try Self.time("2026-03-02T10:00:00Z")
        let profiles = [
            Self.profile(id: 1, stackLevel: 0, purpose: .txDefaultProfile, startSchedule: try Self.time("2026-01-01T00:00:00Z"), periods: [(0, 16)]),
            Self.profile(
                id: 2,
                stackLevel: 1,
                purpose: .txDefaultProfile,
                validTo: try Self.time("2026-03-02T11:00:00Z"),
                startSchedule: try Self.time("2026-01-01T00:00:00Z"),
                periods: [(0, 10)]
            ),
            Self.profile(
                id: 3,
                stackLevel: 2,
                purpose: .txDefaultProfile,
                validFrom: try Self.time("2026-03-02T12:00:00Z"),
                startSchedule: try Self.time("2026-03-02T12:00:00Z"),
                periods: [(0, 20)]
            ),
        ]
        let composite = CompositeSchedule(profiles: profiles, start: start, duration: 3 * 3600)
        #expect(Self.pairs(composite) == [Self.p(0, 10), Self.p(3600, 16), Self.p(7200, 20)])
    }

    @Test func txProfileOverridesTxDefault() throws {
        var store = ChargingProfileStore()
        let origin = try Self.time("2026-01-01T00:00:00Z")
        let start = try Self.time("2026-03-02T10:00:00Z")
        #expect(
            store.set(
                Self.profile(id: 1, purpose: .txDefaultProfile, startSchedule: origin, periods: [(0, 16)]),
                connectorId: 0,
                runningTransactionId: nil
            )
                == .accepted
        )
        let tx = Self.profile(id: 2, purpose: .txProfile, startSchedule: start, duration: 1800, periods: [(0, 8)], transactionId: 42)
        #expect(store.set(tx, connectorId: 1, runningTransactionId: 42) == .accepted)

        let one = CompositeSchedule(store: store, connectorId: 1, start: start, duration: 3600)
        #expect(Self.pairs(one) == [Self.p(0, 8), Self.p(1800, 16)])
        let two = CompositeSchedule(store: store, connectorId: 2, start: start, duration: 3600)
        #expect(Self.pairs(two) == [Self.p(0, 16)])

        store.transactionEnded(connectorId: 1)
        #expect(Self.pairs(CompositeSchedule(store: store, connectorId: 1, start: start, duration: 3600)) == [Self.p(0, 16)])
    }

    /// A TxProfile above the charger's cap is held to the cap; below it, it rules.
    @Test func chargePointMaxIsTheMinimum() throws {
        let origin = try Self.time("2026-01-01T00:00:00Z")
        let start = try Self.time("2026-03-02T10:00:00Z")
        let profiles = [
            Self.profile(id: 1, purpose: .chargePointMaxProfile, startSchedule: origin, periods: [(0, 20)]),
            Self.profile(id: 2, purpose: .txDefaultProfile, startSchedule: start, periods: [(0, 32), (600, 10), (1200, 25)]),
        ]
        let composite = CompositeSchedule(profiles: profiles, start: start, duration: 1800)
        #expect(Self.pairs(composite) == [Self.p(0, 20), Self.p(600, 10), Self.p(1200, 20)])
    }

    /// Connector 0 is the whole charger: only ChargePointMaxProfiles limit it, TxDefaults on 0 are for connectors.
    @Test func connectorZeroSeesOnlyTheChargerCap() throws {
        var store = ChargingProfileStore()
        let origin = try Self.time("2026-01-01T00:00:00Z")
        _ = store.set(
            Self.profile(id: 1, purpose: .chargePointMaxProfile, startSchedule: origin, periods: [(0, 63)]),
            connectorId: 0,
            runningTransactionId: nil
        )
        _ = store.set(
            Self.profile(id: 2, purpose: .txDefaultProfile, startSchedule: origin, periods: [(0, 16)]),
            connectorId: 0,
            runningTransactionId: nil
        )
        let start = try Self.time("2026-03-02T10:00:00Z")
        #expect(Self.pairs(CompositeSchedule(store: store, connectorId: 0, start: start, duration: 60)) == [Self.p(0, 63)])
        #expect(Self.pairs(CompositeSchedule(store: store, connectorId: 1, start: start, duration: 60)) == [Self.p(0, 16)])
    }

    // MARK: - Kinds

    /// A Relative profile counts from the transaction start, not from the window start; after its duration the
    /// connector is unlimited, which the OCPP schedule writes as the configured hardware maximum.
    @Test func relativeProfileAnchoredAtTransactionStart() throws {
        let relative = Self.profile(id: 5, purpose: .txProfile, kind: .relative, startSchedule: nil, duration: 1800, periods: [(0, 6), (900, 16)])
        let composite = CompositeSchedule(
            profiles: [relative],
            start: try Self.time("2026-03-02T10:05:00Z"),
            duration: 3600,
            transactionStart: try Self.time("2026-03-02T10:00:00Z")
        )
        #expect(Self.pairs(composite) == [Self.p(0, 6), Self.p(600, 16), Self.p(1500, nil)])
        #expect(
            composite.chargingSchedule.chargingSchedulePeriod == [
                ChargingSchedulePeriod(startPeriod: 0, limit: 6),
                ChargingSchedulePeriod(startPeriod: 600, limit: 16),
                ChargingSchedulePeriod(startPeriod: 1500, limit: 48),
            ]
        )
        #expect(composite.limit(at: try Self.time("2026-03-02T10:40:00Z")) == nil, "unlimited after the profile ends")

        // Without a transaction, the window start stands in for it.
        let idle = CompositeSchedule(profiles: [relative], start: try Self.time("2026-03-02T10:05:00Z"), duration: 3600)
        #expect(Self.pairs(idle) == [Self.p(0, 6), Self.p(900, 16), Self.p(1800, nil)])
    }

    /// A weekly profile anchored on Monday 2026-03-02 08:00 applies each Monday 08:00–09:00 and on no other day.
    @Test func weeklyRecurrence() throws {
        let weekly = Self.profile(
            id: 7,
            purpose: .txDefaultProfile,
            kind: .recurring,
            recurrency: .weekly,
            startSchedule: try Self.time("2026-03-02T08:00:00Z"),
            duration: 3600,
            periods: [(0, 10)]
        )
        let monday = CompositeSchedule(profiles: [weekly], start: try Self.time("2026-03-16T00:00:00Z"), duration: 2 * 86_400)
        #expect(Self.pairs(monday) == [Self.p(0, nil), Self.p(28_800, 10), Self.p(32_400, nil)])
        #expect(monday.limit(at: try Self.time("2026-03-16T08:30:00Z"))?.value == 10)
        #expect(monday.limit(at: try Self.time("2026-03-17T08:30:00Z")) == nil)

        // The first run is the anchor itself; the week before, it has not started.
        let first = CompositeSchedule(profiles: [weekly], start: try Self.time("2026-03-02T00:00:00Z"), duration: 86_400)
        #expect(Self.pairs(first) == [Self.p(0, nil), Self.p(28_800, 10), Self.p(32_400, nil)])
        let before = CompositeSchedule(profiles: [weekly], start: try Self.time("2026-02-23T00:00:00Z"), duration: 86_400)
        #expect(Self.pairs(before) == [Self.p(0, nil)])

        let tuesday = CompositeSchedule(profiles: [weekly], start: try Self.time("2026-03-10T00:00:00Z"), duration: 86_400)
        #expect(Self.pairs(tuesday) == [Self.p(0, nil)])

        // A daily one with the same anchor does apply on Tuesday.
        var daily = weekly
        daily.recurrencyKind = .daily
        let dailyTuesday = CompositeSchedule(profiles: [daily], start: try Self.time("2026-03-10T00:00:00Z"), duration: 86_400)
        #expect(Self.pairs(dailyTuesday) == [Self.p(0, nil), Self.p(28_800, 10), Self.p(32_400, nil)])
    }

    /// A recurring schedule without duration lasts until the next recurrence; its periods repeat each day.
    @Test func recurringWithoutDurationRepeatsPeriods() throws {
        let daily = Self.profile(
            id: 8,
            purpose: .txDefaultProfile,
            kind: .recurring,
            recurrency: .daily,
            startSchedule: try Self.time("2026-01-01T06:00:00Z"),
            periods: [(0, 32), (43_200, 16)]
        )
        let composite = CompositeSchedule(profiles: [daily], start: try Self.time("2026-03-02T00:00:00Z"), duration: 86_400)
        #expect(Self.pairs(composite) == [Self.p(0, 16), Self.p(21_600, 32), Self.p(64_800, 16)])
    }

    // MARK: - Units

    @Test func convertsBetweenAmpsAndWatts() {
        #expect(CompositeSchedule.convert(16, from: .a, to: .w, phases: 3) == 11_040)
        #expect(CompositeSchedule.convert(16, from: .a, to: .w, phases: 1) == 3680)
        #expect(CompositeSchedule.convert(16, from: .a, to: .w, phases: 3, nominalVoltage: 110) == 5280)
        #expect(CompositeSchedule.convert(11_040, from: .w, to: .a, phases: 3) == 16)
        #expect(CompositeSchedule.convert(11_000, from: .w, to: .a, phases: 3) == Decimal(string: "15.9"))
        #expect(CompositeSchedule.convert(Decimal(string: "21.4") ?? 0, from: .a, to: .a, phases: 3) == Decimal(string: "21.4"))
    }

    @Test func compositeInRequestedUnit() throws {
        let origin = try Self.time("2026-01-01T00:00:00Z")
        let start = try Self.time("2026-03-02T10:00:00Z")
        let profiles = [
            Self.profile(id: 1, purpose: .chargePointMaxProfile, startSchedule: origin, unit: .w, periods: [(0, 11_000)]),
            Self.profile(id: 2, purpose: .txDefaultProfile, startSchedule: start, periods: [(0, 16), (600, 8)]),
            Self.profile(id: 3, purpose: .txProfile, startSchedule: start, periods: [(0, 10), (300, 16)], phases: 1, transactionId: 1),
        ]
        // In W: the TxProfile's 10 A on 1 phase = 2300 W, then 16 A on 1 phase = 3680 W; the 11 000 W cap never binds.
        let watts = CompositeSchedule(profiles: profiles, start: start, duration: 900, chargingRateUnit: .w)
        #expect(Self.pairs(watts) == [Self.p(0, 2300), Self.p(300, 3680)])
        #expect(watts.segments.map(\.numberPhases) == [1, 1])

        // Without the TxProfile, in A: 16 A would exceed the cap's 15.9 A (11 000 W at 3 × 230 V); then 8 A rules.
        let amps = CompositeSchedule(profiles: Array(profiles.prefix(2)), start: start, duration: 900, chargingRateUnit: .a)
        #expect(Self.pairs(amps) == [Self.p(0, Decimal(string: "15.9")), Self.p(600, 8)])

        // No unit requested: the transaction's profile decides (A here).
        let natural = CompositeSchedule(profiles: Array(profiles.prefix(2)), start: start, duration: 900)
        #expect(natural.chargingRateUnit == .a)
        #expect(natural.chargingSchedule.chargingSchedulePeriod.first?.limit == Decimal(string: "15.9"))
        // Unlimited stretches, written in W: 48 A × 230 V × 3.
        let nothing = CompositeSchedule(profiles: [], start: start, duration: 60, chargingRateUnit: .w)
        #expect(nothing.chargingSchedule.chargingSchedulePeriod == [ChargingSchedulePeriod(startPeriod: 0, limit: 33_120)])
    }

    @Test func mergesEqualNeighbours() throws {
        let start = try Self.time("2026-03-02T10:00:00Z")
        let profiles = [
            Self.profile(id: 1, purpose: .txDefaultProfile, startSchedule: start, periods: [(0, 16), (600, 16), (900, 12)]),
            Self.profile(id: 2, purpose: .chargePointMaxProfile, startSchedule: start, periods: [(0, 32), (300, 20)]),
        ]
        let composite = CompositeSchedule(profiles: profiles, start: start, duration: 1200)
        #expect(Self.pairs(composite) == [Self.p(0, 16), Self.p(900, 12)])
        let response = composite.response(connectorId: 1)
        #expect(response.status == .accepted && response.connectorId == 1 && response.scheduleStart == start)
        #expect(response.chargingSchedule?.chargingSchedulePeriod.count == 2)
    }
}
