import Shared
import Testing

@testable import ocpp_sim

@Suite struct QuirkRewriterTests {
    @Test func payloadQuirksRewriteWhatTheChargerSends() throws {
        let boot: JSONValue = ["chargePointVendor": "ABB", "chargePointModel": "Terra", "chargeBoxSerialNumber": "SN1"]
        let wrongCase = QuirkRewriter(quirks: [.wrongCase]).apply(action: "BootNotification", to: boot)
        #expect(wrongCase["ChargeBoxSerialNumber"] == "SN1" && wrongCase["chargeBoxSerialNumber"] == nil)

        let start: JSONValue = ["connectorId": 1, "idTag": "T", "meterStart": 1200, "timestamp": "2026-12-05T10:00:00.000Z"]
        let quirky = QuirkRewriter(quirks: [.numbersAsStrings, .noZone]).apply(action: "StartTransaction", to: start)
        #expect(quirky["connectorId"] == "1" && quirky["meterStart"] == "1200")
        #expect(quirky["timestamp"] == "2026-12-05T10:00:00.000")

        let meter: JSONValue = [
            "connectorId": 1,
            "meterValue": [["timestamp": "2026-12-05T10:00:00Z", "sampledValue": [["value": "12345", "measurand": "Energy.Active.Import.Register", "unit": "Wh"]]]],
        ]
        let kWh = QuirkRewriter(quirks: [.kWhAsWh, .unknownMeasurands]).apply(action: "MeterValues", to: meter)
        let samples = kWh["meterValue"]?.arrayValue?.first?["sampledValue"]?.arrayValue ?? []
        #expect(samples.first?["value"] == "12.345" && samples.first?["unit"] == "Wh")
        #expect(samples.count == 3 && samples.contains { $0["context"] == "CurrentMax" })

        #expect(QuirkRewriter(quirks: []).apply(action: "MeterValues", to: meter) == meter)
    }
}
