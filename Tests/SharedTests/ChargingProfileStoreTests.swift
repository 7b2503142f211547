import Foundation
import Testing

@testable import Shared

@Suite struct ChargingProfileStoreTests {
    static let origin = Timestamp(milliseconds: 1_767_225_600_000)  // 2026-01-01T00:00:00Z

    static func profile(
        id: Int,
        stackLevel: Int = 0,
        purpose: ChargingProfilePurposeType,
        kind: ChargingProfileKindType = .absolute,
        limit: Decimal = 16,
        unit: ChargingRateUnitType = .a,
        transactionId: Int? = nil
    ) -> ChargingProfile {
        ChargingProfile(
            chargingProfileId: id,
            transactionId: transactionId,
            stackLevel: stackLevel,
            chargingProfilePurpose: purpose,
            chargingProfileKind: kind,
            chargingSchedule: ChargingSchedule(
                startSchedule: kind == .relative ? nil : origin,
                chargingRateUnit: unit,
                chargingSchedulePeriod: [ChargingSchedulePeriod(startPeriod: 0, limit: limit)]
            )
        )
    }

    /// (connector, profile id) of what is installed, in order.
    static func contents(_ store: ChargingProfileStore) -> [[Int]] {
        store.installed.map { [$0.connectorId, $0.profile.chargingProfileId] }
    }

    @Test func originIsNewYear2026() {
        #expect(Self.origin.description == "2026-01-01T00:00:00Z")
    }

    // MARK: - Replacement

    @Test func sameIdReplacesEvenOnAnotherConnector() {
        var store = ChargingProfileStore()
        #expect(store.set(Self.profile(id: 1, purpose: .txDefaultProfile, limit: 16), connectorId: 0, runningTransactionId: nil) == .accepted)
        #expect(
            store.set(Self.profile(id: 1, stackLevel: 3, purpose: .txDefaultProfile, limit: 10), connectorId: 2, runningTransactionId: nil)
                == .accepted
        )
        #expect(Self.contents(store) == [[2, 1]])
        #expect(store.installed.first?.profile.chargingSchedule.chargingSchedulePeriod.first?.limit == 10)
    }

    @Test func sameStackLevelAndPurposeReplacesOnTheSameConnectorOnly() {
        var store = ChargingProfileStore()
        _ = store.set(Self.profile(id: 1, stackLevel: 2, purpose: .txDefaultProfile), connectorId: 1, runningTransactionId: nil)
        _ = store.set(Self.profile(id: 2, stackLevel: 2, purpose: .txDefaultProfile), connectorId: 2, runningTransactionId: nil)
        _ = store.set(Self.profile(id: 3, stackLevel: 1, purpose: .txDefaultProfile), connectorId: 1, runningTransactionId: nil)
        _ = store.set(Self.profile(id: 4, stackLevel: 2, purpose: .txProfile), connectorId: 1, runningTransactionId: 9)
        #expect(Self.contents(store) == [[1, 1], [2, 2], [1, 3], [1, 4]])

        // Same stack level and purpose on connector 1: replaces id 1, keeps id 2 (connector 2) and id 4 (TxProfile).
        #expect(store.set(Self.profile(id: 5, stackLevel: 2, purpose: .txDefaultProfile), connectorId: 1, runningTransactionId: nil) == .accepted)
        #expect(Self.contents(store) == [[2, 2], [1, 3], [1, 4], [1, 5]])
    }

    // MARK: - Purpose rules

    @Test func txProfileNeedsAConnectorAndItsRunningTransaction() {
        var store = ChargingProfileStore()
        #expect(store.set(Self.profile(id: 1, purpose: .txProfile), connectorId: 0, runningTransactionId: 7) == .rejected, "connector 0")
        #expect(store.set(Self.profile(id: 1, purpose: .txProfile), connectorId: 1, runningTransactionId: nil) == .rejected, "no transaction")
        #expect(
            store.set(Self.profile(id: 1, purpose: .txProfile, transactionId: 8), connectorId: 1, runningTransactionId: 7) == .rejected,
            "other tx"
        )
        #expect(store.installed.isEmpty)

        #expect(store.set(Self.profile(id: 1, purpose: .txProfile, transactionId: 7), connectorId: 1, runningTransactionId: 7) == .accepted)
        #expect(store.set(Self.profile(id: 2, stackLevel: 1, purpose: .txProfile), connectorId: 1, runningTransactionId: 7) == .accepted)
        #expect(store.installed.map(\.transactionId) == [7, 7], "a TxProfile without transactionId is bound to the running one")
    }

    @Test func txProfilesEndWithTheirTransaction() {
        var store = ChargingProfileStore()
        _ = store.set(Self.profile(id: 1, purpose: .txDefaultProfile), connectorId: 1, runningTransactionId: 7)
        _ = store.set(Self.profile(id: 2, purpose: .txProfile), connectorId: 1, runningTransactionId: 7)
        _ = store.set(Self.profile(id: 3, purpose: .txProfile), connectorId: 2, runningTransactionId: 8)
        #expect(store.transactionEnded(connectorId: 1) == 1)
        #expect(Self.contents(store) == [[1, 1], [2, 3]])
        #expect(store.transactionEnded(transactionId: 7) == 0)
        #expect(store.transactionEnded(transactionId: 8) == 1)
        #expect(Self.contents(store) == [[1, 1]])
    }

    @Test func chargePointMaxOnlyOnConnectorZero() {
        var store = ChargingProfileStore()
        #expect(store.set(Self.profile(id: 1, purpose: .chargePointMaxProfile), connectorId: 1, runningTransactionId: nil) == .rejected)
        #expect(
            store.set(Self.profile(id: 1, purpose: .chargePointMaxProfile, kind: .relative), connectorId: 0, runningTransactionId: nil) == .rejected
        )
        #expect(store.set(Self.profile(id: 1, purpose: .chargePointMaxProfile), connectorId: 0, runningTransactionId: nil) == .accepted)
    }

    /// A TxDefaultProfile on 0 applies to every connector, unless the connector has its own at that stack level.
    @Test func txDefaultOnZeroIsInheritedUnlessShadowed() {
        var store = ChargingProfileStore()
        _ = store.set(Self.profile(id: 1, purpose: .txDefaultProfile, limit: 16), connectorId: 0, runningTransactionId: nil)
        _ = store.set(Self.profile(id: 2, purpose: .txDefaultProfile, limit: 10), connectorId: 1, runningTransactionId: nil)
        _ = store.set(Self.profile(id: 3, purpose: .chargePointMaxProfile, limit: 63), connectorId: 0, runningTransactionId: nil)
        #expect(store.applicableProfiles(connectorId: 1).map(\.chargingProfileId) == [3, 2])
        #expect(store.applicableProfiles(connectorId: 2).map(\.chargingProfileId) == [3, 1])
        #expect(store.applicableProfiles(connectorId: 0).map(\.chargingProfileId) == [3])
        #expect(store.profiles(onConnector: 0).map(\.chargingProfileId) == [1, 3])

        let start = Timestamp(milliseconds: Self.origin.milliseconds + 86_400_000)
        #expect(CompositeSchedule(store: store, connectorId: 1, start: start, duration: 60).segments.map(\.limit) == [10])
        #expect(CompositeSchedule(store: store, connectorId: 2, start: start, duration: 60).segments.map(\.limit) == [16])
    }

    // MARK: - Rejections

    @Test func rejectsMalformedProfiles() {
        var store = ChargingProfileStore()
        var late = Self.profile(id: 1, purpose: .txDefaultProfile)
        late.chargingSchedule.chargingSchedulePeriod = [ChargingSchedulePeriod(startPeriod: 60, limit: 16)]
        var unordered = Self.profile(id: 1, purpose: .txDefaultProfile)
        unordered.chargingSchedule.chargingSchedulePeriod = [
            ChargingSchedulePeriod(startPeriod: 0, limit: 16), ChargingSchedulePeriod(startPeriod: 0, limit: 10),
        ]
        var noStart = Self.profile(id: 1, purpose: .txDefaultProfile)
        noStart.chargingSchedule.startSchedule = nil
        var noRecurrency = Self.profile(id: 1, purpose: .txDefaultProfile, kind: .recurring)
        noRecurrency.recurrencyKind = nil
        var backwards = Self.profile(id: 1, purpose: .txDefaultProfile)
        backwards.validFrom = Timestamp(milliseconds: Self.origin.milliseconds + 1000)
        backwards.validTo = Self.origin
        var fourPhases = Self.profile(id: 1, purpose: .txDefaultProfile)
        fourPhases.chargingSchedule.chargingSchedulePeriod[0].numberPhases = 4

        for (name, profile) in [
            ("first period not at 0", late), ("periods not ascending", unordered), ("Absolute without startSchedule", noStart),
            ("Recurring without recurrencyKind", noRecurrency), ("validTo before validFrom", backwards), ("4 phases", fourPhases),
            ("negative limit", Self.profile(id: 1, purpose: .txDefaultProfile, limit: -1)),
            ("negative stack level", Self.profile(id: 1, stackLevel: -1, purpose: .txDefaultProfile)),
            ("unknown purpose", Self.profile(id: 1, purpose: ChargingProfilePurposeType(rawValue: "Boost"))),
        ] {
            #expect(store.set(profile, connectorId: 1, runningTransactionId: nil) == .rejected, "\(name)")
        }
        #expect(store.set(Self.profile(id: 1, purpose: .txDefaultProfile), connectorId: -1, runningTransactionId: nil) == .rejected)
        #expect(store.installed.isEmpty)
    }

    @Test func enforcesTheChargerConfiguration() {
        var store = ChargingProfileStore(
            configuration: .init(connectorCount: 2, maxStackLevel: 3, maxPeriods: 1, maxInstalled: 2, allowedUnits: [.a])
        )
        #expect(store.set(Self.profile(id: 1, purpose: .txDefaultProfile), connectorId: 3, runningTransactionId: nil) == .rejected, "no connector 3")
        #expect(store.set(Self.profile(id: 1, stackLevel: 4, purpose: .txDefaultProfile), connectorId: 1, runningTransactionId: nil) == .rejected)
        #expect(store.set(Self.profile(id: 1, purpose: .txDefaultProfile, unit: .w), connectorId: 1, runningTransactionId: nil) == .rejected)
        var twoPeriods = Self.profile(id: 1, purpose: .txDefaultProfile)
        twoPeriods.chargingSchedule.chargingSchedulePeriod.append(ChargingSchedulePeriod(startPeriod: 60, limit: 8))
        #expect(store.set(twoPeriods, connectorId: 1, runningTransactionId: nil) == .rejected)

        #expect(store.set(Self.profile(id: 1, stackLevel: 3, purpose: .txDefaultProfile), connectorId: 1, runningTransactionId: nil) == .accepted)
        #expect(store.set(Self.profile(id: 2, purpose: .txDefaultProfile), connectorId: 2, runningTransactionId: nil) == .accepted)
        #expect(store.set(Self.profile(id: 3, purpose: .txDefaultProfile), connectorId: 0, runningTransactionId: nil) == .rejected, "a third profile")
        #expect(
            store.set(Self.profile(id: 2, purpose: .txDefaultProfile, limit: 6), connectorId: 2, runningTransactionId: nil) == .accepted,
            "a replacement"
        )
        #expect(Self.contents(store) == [[1, 1], [2, 2]])

        var disabled = ChargingProfileStore(configuration: .init(smartChargingSupported: false))
        #expect(disabled.set(Self.profile(id: 1, purpose: .txDefaultProfile), connectorId: 1, runningTransactionId: nil) == .notSupported)
    }

    @Test func setTakesTheRequest() {
        var store = ChargingProfileStore()
        let request = SetChargingProfileRequest(connectorId: 0, csChargingProfiles: Self.profile(id: 9, purpose: .chargePointMaxProfile))
        #expect(store.set(request, runningTransactionId: nil) == .accepted)
        #expect(Self.contents(store) == [[0, 9]])
    }

    // MARK: - ClearChargingProfile

    static func filled() -> ChargingProfileStore {
        var store = ChargingProfileStore()
        _ = store.set(profile(id: 1, purpose: .chargePointMaxProfile), connectorId: 0, runningTransactionId: nil)
        _ = store.set(profile(id: 2, purpose: .txDefaultProfile), connectorId: 0, runningTransactionId: nil)
        _ = store.set(profile(id: 3, stackLevel: 1, purpose: .txDefaultProfile), connectorId: 1, runningTransactionId: nil)
        _ = store.set(profile(id: 4, stackLevel: 2, purpose: .txDefaultProfile), connectorId: 1, runningTransactionId: nil)
        _ = store.set(profile(id: 5, purpose: .txProfile), connectorId: 1, runningTransactionId: 7)
        return store
    }

    @Test func clearsById() {
        var store = Self.filled()
        #expect(store.clear(ClearChargingProfileRequest(id: 42)) == .unknown)
        // The id alone decides: the other fields are ignored.
        #expect(store.clear(ClearChargingProfileRequest(id: 3, connectorId: 2, chargingProfilePurpose: .txProfile)) == .accepted)
        #expect(Self.contents(store) == [[0, 1], [0, 2], [1, 4], [1, 5]])
    }

    @Test func clearsByCriteriaThatAllMatch() {
        var store = Self.filled()
        #expect(store.clear(ClearChargingProfileRequest(connectorId: 1, chargingProfilePurpose: .txDefaultProfile, stackLevel: 0)) == .unknown)
        #expect(store.clear(ClearChargingProfileRequest(connectorId: 1, chargingProfilePurpose: .txDefaultProfile)) == .accepted)
        #expect(Self.contents(store) == [[0, 1], [0, 2], [1, 5]])
        // connectorId 0 means the profiles installed on 0, not all of them.
        #expect(store.clear(ClearChargingProfileRequest(connectorId: 0, stackLevel: 0)) == .accepted)
        #expect(Self.contents(store) == [[1, 5]])
        #expect(store.clear(ClearChargingProfileRequest(chargingProfilePurpose: .chargePointMaxProfile)) == .unknown)
    }

    @Test func clearsEverythingWithoutCriteria() {
        var store = Self.filled()
        #expect(store.clear(ClearChargingProfileRequest()) == .accepted)
        #expect(store.installed.isEmpty)
        #expect(store.clear(ClearChargingProfileRequest()) == .unknown)
    }
}
