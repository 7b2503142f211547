import Shared
import Testing

@testable import ocpp_sim

@Suite struct ConfigurationStoreTests {
    var store = ConfigurationStore(template: ChargerTemplate.named("dc54") ?? ChargerTemplate.builtIn[0])

    @Test mutating func changesAreValidatedAsAChargerWould() {
        #expect(store.change("heartbeatinterval", to: "60") == .accepted)
        #expect(store.value("HeartbeatInterval") == "60")
        #expect(store.change("NumberOfConnectors", to: "5") == .rejected)
        #expect(store.change("HeartbeatInterval", to: "soon") == .rejected)
        #expect(store.change("LocalPreAuthorize", to: "yes") == .rejected)
        #expect(store.change("LocalPreAuthorize", to: "TRUE") == .accepted && store.value("LocalPreAuthorize") == "true")
        #expect(store.change("NoSuchKey", to: "1") == .notSupported)
    }

    @Test mutating func aSampledDataListWithOneUnsupportedMeasurandIsRejectedWhole() {
        #expect(store.change("MeterValuesSampledData", to: "Energy.Active.Import.Register,SoC,Current.Import.L2") == .accepted)
        #expect(store.change("MeterValuesSampledData", to: "Energy.Active.Import.Register,RPM") == .rejected)
        #expect(store.value("MeterValuesSampledData") == "Energy.Active.Import.Register,SoC,Current.Import.L2")
        let eleven = Array(repeating: "Voltage", count: 11).joined(separator: ",")
        #expect(store.change("MeterValuesSampledData", to: eleven) == .rejected)
    }

    @Test func getConfigurationListsKnownAndUnknownKeysAndHidesWriteOnlyOnes() {
        let answer = store.get(["NumberOfConnectors", "AuthorizationKey", "Nope"])
        #expect(answer.configurationKey?.first == KeyValue(key: "NumberOfConnectors", readonly: true, value: "3"))
        #expect(answer.configurationKey?.last?.value == nil)
        #expect(answer.unknownKey == ["Nope"])
        #expect(store.value("ChargingScheduleAllowedChargingRateUnit") == "Current")
    }
}
