import Testing

@testable import ocpp_report

@Suite struct AvailabilityTests {
    let hour: Int64 = 3_600_000

    @Test func offlineAndFaultedTimeIsUnavailable() {
        // 10 hours, 2 connectors. Offline 1 h (both connectors), connector 1 Faulted 2 h, charger Unavailable 1 h.
        let events = [
            ConnectionEvent(atMs: 0, up: true, connect: true), ConnectionEvent(atMs: 2 * hour, up: false, connect: false),
            ConnectionEvent(atMs: 3 * hour, up: true, connect: true),
        ]
        let statuses = [
            StatusChange(connectorID: 1, status: "Available", errorCode: "NoError", atMs: -hour, inWindow: false),
            StatusChange(connectorID: 1, status: "Faulted", errorCode: "GroundFailure", atMs: 4 * hour, inWindow: true),
            StatusChange(connectorID: 1, status: "Faulted", errorCode: "GroundFailure", atMs: 5 * hour, inWindow: true),
            StatusChange(connectorID: 1, status: "Available", errorCode: "NoError", atMs: 6 * hour, inWindow: true),
            StatusChange(connectorID: 0, status: "Unavailable", errorCode: "NoError", atMs: 8 * hour, inWindow: true),
            StatusChange(connectorID: 0, status: "Available", errorCode: "NoError", atMs: 9 * hour, inWindow: true),
            StatusChange(connectorID: 2, status: "Faulted", errorCode: "HighTemperature", atMs: 9 * hour + hour / 2, inWindow: true),
        ]
        let percent = Availability.percent(fromMs: 0, toMs: 10 * hour, connectors: [1, 2], statuses: statuses, connection: events) ?? -1
        // Connector 1: down 1 (offline) + 2 (faulted) + 1 (charger) = 4 h -> 60 %. Connector 2: 1 + 1 + 0.5 -> 75 %.
        #expect(abs(percent - 67.5) < 0.001, "\(percent)")
        #expect(Availability.faults(statuses) == ["GroundFailure": 1, "HighTemperature": 1])
    }

    @Test func theStateBeforeTheWindowCarriesIn() {
        let statuses = [StatusChange(connectorID: 1, status: "Faulted", errorCode: "OtherError", atMs: -hour, inWindow: false)]
        #expect(Availability.percent(fromMs: 0, toMs: hour, connectors: [1], statuses: statuses, connection: []) == 0)
        #expect(Availability.faults(statuses).isEmpty, "the fault began before the window")
        #expect(Availability.percent(fromMs: 0, toMs: 0, connectors: [1], statuses: [], connection: []) == nil)
    }
}
