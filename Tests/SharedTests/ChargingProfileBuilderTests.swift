import Foundation
import Testing

@testable import Shared

@Suite struct ChargingProfileBuilderTests {
    static func time(_ text: String) throws -> Timestamp {
        try #require(Timestamp(parsing: text))
    }

    static func message(_ builder: ChargingProfileBuilder, now: Timestamp) -> String? {
        do throws(ChargingProfileBuilder.InputError) {
            _ = try builder.build(now: now)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func dailyWindowStartsTodayAtTheGivenTime() throws {
        let profile = try ChargingProfileBuilder(
            id: 12,
            stackLevel: 1,
            purpose: try ChargingProfileBuilder.purpose(named: "max"),
            limit: 32,
            unit: try ChargingProfileBuilder.unit(named: "a"),
            recurrence: try ChargingProfileBuilder.recurrence(named: "Daily"),
            startTime: "18:00",
            duration: 7200
        ).build(now: try Self.time("2026-03-01T23:59:59.999Z"))

        let expected = ChargingProfile(
            chargingProfileId: 12,
            stackLevel: 1,
            chargingProfilePurpose: .chargePointMaxProfile,
            chargingProfileKind: .recurring,
            recurrencyKind: .daily,
            chargingSchedule: ChargingSchedule(
                duration: 7200,
                startSchedule: try Self.time("2026-03-01T18:00:00Z"),
                chargingRateUnit: .a,
                chargingSchedulePeriod: [ChargingSchedulePeriod(startPeriod: 0, limit: 32)]
            )
        )
        #expect(profile == expected)
        #expect(profile.json == expected.json)
    }

    @Test func weeklyUsesTodaysWeekday() throws {
        let profile = try ChargingProfileBuilder(
            id: 1,
            purpose: .txDefaultProfile,
            limit: 11_000,
            unit: .w,
            numberPhases: 3,
            recurrence: .weekly,
            startTime: "07:30",
            duration: 3600
        ).build(now: try Self.time("2026-03-04T12:00:00Z"))
        #expect(profile.recurrencyKind == .weekly)
        #expect(profile.chargingSchedule.startSchedule == (try Self.time("2026-03-04T07:30:00Z")))
        #expect(profile.chargingSchedule.chargingSchedulePeriod == [ChargingSchedulePeriod(startPeriod: 0, limit: 11_000, numberPhases: 3)])
    }

    @Test func absoluteProfileWithValidity() throws {
        let from = try Self.time("2026-03-02T08:00:00Z")
        let to = try Self.time("2026-03-02T17:00:00Z")
        let tx = try ChargingProfileBuilder(
            id: 3,
            purpose: .txProfile,
            limit: Decimal(string: "6.5") ?? 0,
            validFrom: from,
            validTo: to,
            transactionId: 77
        )
        .build(now: try Self.time("2026-03-01T00:00:00Z"))
        #expect(tx.chargingProfileKind == .absolute && tx.recurrencyKind == nil)
        #expect(tx.transactionId == 77 && tx.validFrom == from && tx.validTo == to)
        #expect(tx.chargingSchedule.startSchedule == from && tx.chargingSchedule.duration == nil)
        #expect(tx.chargingSchedule.chargingSchedulePeriod.first?.limit == Decimal(string: "6.5"))

        // Without validFrom, the schedule starts now, in whole seconds.
        let now = try Self.time("2026-03-01T10:11:12.345Z")
        let plain = try ChargingProfileBuilder(id: 4, purpose: .chargePointMaxProfile, limit: 125).build(now: now)
        #expect(plain.chargingSchedule.startSchedule == (try Self.time("2026-03-01T10:11:12Z")))
        var store = ChargingProfileStore()
        #expect(store.set(plain, connectorId: 0, runningTransactionId: nil) == .accepted)
    }

    @Test func rejectsBadInputsWithTheFix() throws {
        let now = try Self.time("2026-03-01T12:00:00Z")
        let good = ChargingProfileBuilder(id: 1, purpose: .chargePointMaxProfile, limit: 32, recurrence: .daily, startTime: "18:00", duration: 7200)
        #expect(Self.message(good, now: now) == nil)

        var zero = good
        zero.limit = 0
        #expect(Self.message(zero, now: now) == "limit 0 must be greater than 0: give a positive limit in A")
        var fine = good
        fine.limit = Decimal(string: "16.25") ?? 0
        #expect(Self.message(fine, now: now) == "limit 16.25 has more than one decimal: round it to a multiple of 0.1")
        for text in ["24:00", "7:00", "18:60", "18-00", "ab:cd", ""] {
            var bad = good
            bad.startTime = text
            #expect(Self.message(bad, now: now) == "start time '\(text)' is not HH:MM: use 00:00 to 23:59 (UTC)")
        }
        var noTime = good
        noTime.startTime = nil
        #expect(Self.message(noTime, now: now) == "a daily profile needs a start time: give HH:MM (UTC)")
        var noDuration = good
        noDuration.duration = nil
        #expect(Self.message(noDuration, now: now) == "a daily profile needs a duration: give the window length in seconds")
        var zeroDuration = good
        zeroDuration.duration = 0
        #expect(Self.message(zeroDuration, now: now) == "duration 0 must be greater than 0: give seconds, e.g. 7200")
        var longDuration = good
        longDuration.duration = 90_000
        #expect(Self.message(longDuration, now: now) == "duration 90000 s is longer than the daily cycle: use at most 86400")
        var txIdOnMax = good
        txIdOnMax.transactionId = 5
        #expect(Self.message(txIdOnMax, now: now) == "a transaction id only applies to a tx profile: drop it or use purpose tx")
        var timeWithoutRecurrence = good
        timeWithoutRecurrence.recurrence = nil
        #expect(Self.message(timeWithoutRecurrence, now: now) == "start time '18:00' needs a recurrence: add daily or weekly, or drop the start time")
        var backwards = ChargingProfileBuilder(id: 1, purpose: .txDefaultProfile, limit: 16)
        backwards.validFrom = try Self.time("2026-03-02T00:00:00Z")
        backwards.validTo = try Self.time("2026-03-01T00:00:00Z")
        #expect(
            Self.message(backwards, now: now)
                == "valid-to 2026-03-01T00:00:00Z is not after valid-from 2026-03-02T00:00:00Z: give a later valid-to"
        )
        var phases = good
        phases.numberPhases = 4
        #expect(Self.message(phases, now: now) == "4 phases is not possible: use 1, 2 or 3")
    }

    @Test func readsCommandLineNames() throws {
        #expect(try ChargingProfileBuilder.purpose(named: "default") == .txDefaultProfile)
        #expect(try ChargingProfileBuilder.purpose(named: "TX") == .txProfile)
        #expect(try ChargingProfileBuilder.unit(named: "W") == .w)
        #expect(throws: ChargingProfileBuilder.InputError("unknown purpose 'boost': use max, default or tx")) {
            try ChargingProfileBuilder.purpose(named: "boost")
        }
        #expect(throws: ChargingProfileBuilder.InputError("unknown unit 'kW': use A or W")) { try ChargingProfileBuilder.unit(named: "kW") }
        #expect(ChargingProfileBuilder.secondsOfDay("23:59") == 86_340)
        #expect(ChargingProfileBuilder.secondsOfDay("00:00") == 0)
    }
}
