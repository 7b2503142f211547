import Testing

@testable import ocpp_serve

@Suite struct ChargerEndpointTests {
    @Test(arguments: [
        ("/ocpp/CP01", "CP01"),
        ("/ocpp/CP01/", "CP01"),
        ("/CP%2F1", "CP/1"),
        ("/ocpp/RDAM%20123", "RDAM 123"),
        ("/a/b/c+d", "c+d"),
        ("/ocpp/CP01?token=x", "CP01"),
    ])
    func chargerIDIsTheLastDecodedSegment(path: String, id: String) {
        #expect(ChargerEndpoint.chargerID(fromPath: path) == id)
    }

    @Test(arguments: ["/", "", "/ocpp/%"])
    func pathWithoutID(path: String) {
        #expect(ChargerEndpoint.chargerID(fromPath: path) == nil)
    }

    @Test func negotiatesOCPP16() {
        var configuration = ServerConfiguration()
        #expect(ChargerEndpoint.negotiate(offers: ["ocpp1.6"], chargerID: "A", configuration: configuration) == .accept(subprotocol: "ocpp1.6"))
        #expect(ChargerEndpoint.negotiate(offers: ["ocpp2.0.1, ocpp1.6"], chargerID: "A", configuration: configuration) == .accept(subprotocol: "ocpp1.6"))
        #expect(ChargerEndpoint.negotiate(offers: ["ocpp2.0.1", "ocpp1.6"], chargerID: "A", configuration: configuration) == .accept(subprotocol: "ocpp1.6"))
        guard case .refuse = ChargerEndpoint.negotiate(offers: [], chargerID: "A", configuration: configuration) else {
            Issue.record("no offer must be refused by default")
            return
        }
        guard case .refuse = ChargerEndpoint.negotiate(offers: ["ocpp2.0.1"], chargerID: "A", configuration: configuration) else {
            Issue.record("an offer without ocpp1.6 must be refused")
            return
        }
        configuration.acceptWithoutSubprotocol = ["A"]
        #expect(ChargerEndpoint.negotiate(offers: [], chargerID: "A", configuration: configuration) == .accept(subprotocol: nil))
        guard case .refuse = ChargerEndpoint.negotiate(offers: [], chargerID: "B", configuration: configuration) else {
            Issue.record("the fallback is per charger id")
            return
        }
        configuration.acceptWithoutSubprotocol = ["*"]
        #expect(ChargerEndpoint.negotiate(offers: [], chargerID: "B", configuration: configuration) == .accept(subprotocol: nil))
    }
}
