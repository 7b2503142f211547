import Testing

@testable import ocpp_sim

@Suite struct VehicleModelTests {
    @Test func leafTapersAfterSixtyPercentAndEtronHoldsToNinetySix() throws {
        let leaf = try #require(VehicleModel.named("leaf"))
        let etron = try #require(VehicleModel.named("etron"))
        #expect(leaf.acceptance(atSoC: 30) == 1)
        #expect(leaf.acceptance(atSoC: 60) == 1)
        #expect(leaf.acceptance(atSoC: 75) < 0.7)
        #expect(etron.acceptance(atSoC: 95) == 1)
        #expect(etron.acceptance(atSoC: 99) < 0.5)
    }
}
