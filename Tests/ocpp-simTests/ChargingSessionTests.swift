import Foundation
import Shared
import Testing

@testable import ocpp_sim

@Suite struct ChargingSessionTests {
    let ac22 = ChargerTemplate.named("ac22") ?? ChargerTemplate.builtIn[0]
    let dc54 = ChargerTemplate.named("dc54") ?? ChargerTemplate.builtIn[0]
    let etron = VehicleModel.named("etron") ?? VehicleModel.builtIn[0]
    let leaf = VehicleModel.named("leaf") ?? VehicleModel.builtIn[0]

    func point(_ template: ChargerTemplate, connector: Int = 0, _ vehicle: VehicleModel, soc: Double = 50, limit: (Decimal, ChargingRateUnitType)?) -> ChargingSession.OperatingPoint {
        ChargingSession.operatingPoint(
            spec: template.connectors[connector], template: template, vehicle: vehicle, soc: soc, targetSoC: 90,
            limit: limit.map { ($0.0, $0.1, 3) }, blocked: false, voltageJitter: 0
        )
    }

    @Test func acCurrentFollowsTheLimitAndPowerIsVoltsTimesAmpsTimesPhases() {
        let unlimited = point(ac22, etron, limit: nil)
        #expect(unlimited.current == 16 && unlimited.phases == 3 && unlimited.power == 230 * 16 * 3)
        let limited = point(ac22, etron, limit: (10, .a))
        #expect(limited.current == 10 && limited.power == 6_900 && limited.offeredCurrent == 10)
        // A single-phase Leaf on a three-phase socket: one phase, 29 A on-board charger, capped by 4 600 W = 20 A.
        let watts = point(ac22, leaf, limit: (4_600, .w))
        #expect(watts.phases == 1 && abs(watts.current - 20) < 0.001)
        let tooLow = point(ac22, etron, limit: (5, .a))
        #expect(tooLow.power == 0 && tooLow.suspendedByEVSE && !tooLow.suspendedByEV)
    }

    @Test func dcLimitsInAmperesAreInputCurrentsAndTheBatteryCurveTapers() {
        let unlimited = point(dc54, connector: 1, leaf, soc: 40, limit: (125, .a))
        // The connector's 125 A output current at the Leaf's 341 V battery, below the Leaf's 46 kW peak.
        #expect(unlimited.power == 125 * leaf.dcVoltage(atSoC: 40) && unlimited.power < 46_000)
        let capped = point(dc54, connector: 1, etron, soc: 40, limit: (32, .a))
        #expect(capped.power == 32 * 230 * 3)
        let tapering = point(dc54, connector: 1, leaf, soc: 80, limit: nil)
        #expect(tapering.power < 25_000 && tapering.power > 15_000)
        let full = ChargingSession.operatingPoint(
            spec: dc54.connectors[1], template: dc54, vehicle: leaf, soc: 90, targetSoC: 90, limit: nil, blocked: false, voltageJitter: 0
        )
        #expect(full.power == 0 && full.suspendedByEV)
    }

    @Test func energyIsPowerIntegratedOverTimeAndSoCRisesWithIt() {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        var session = ChargingSession(
            localID: 1, connectorId: 1, idTag: "T", vehicle: etron, soc: 20, startSoC: 20, targetSoC: 90, started: start, meterStart: 0,
            reservationId: nil, updated: start
        )
        let delivered = session.advance(to: start.addingTimeInterval(3_600)) { soc, _ in
            ChargingSession.operatingPoint(spec: ac22.connectors[0], template: ac22, vehicle: etron, soc: soc, targetSoC: 90, limit: nil, blocked: false, voltageJitter: 0)
        }
        #expect(abs(delivered - 11_040) < 0.01)
        #expect(abs(session.soc - (20 + 11_040 / 95_000 * 100)) < 0.01)
    }

    @Test func theSameSeedGivesTheSameChoices() {
        var a = SeededRandom(seed: 7, stream: 3)
        var b = SeededRandom(seed: 7, stream: 3)
        var c = SeededRandom(seed: 7, stream: 4)
        let first = (0..<5).map { _ in a.next() }
        #expect(first == (0..<5).map { _ in b.next() })
        #expect(first != (0..<5).map { _ in c.next() })
    }
}
