import Foundation
import Testing

@testable import Shared

/// The generated models and schema texts cover exactly the official OCPP 1.6 schemas in `../shared/ocpp/schemas/v16`.
@Suite struct SchemaCoverageTests {
    /// Repository root = three levels up from `Tests/SharedTests/<file>.swift`; the schemas sit beside the repository.
    static let schemaDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/ocpp/schemas/v16").standardizedFileURL

    static func schemaFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: schemaDirectory.path).filter { $0.hasSuffix(".json") }.sorted()
    }

    static func parseFile(_ name: String) throws -> JSONValue {
        var text = try String(contentsOf: schemaDirectory.appendingPathComponent(name), encoding: .utf8)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        return try JSONParser.parse(text)
    }

    @Test func everySchemaFileHasAModelAndItsText() throws {
        let files = try Self.schemaFiles()
        #expect(files.count == 78)
        for file in files {
            let base = String(file.dropLast(".json".count))
            if let action = OCPPAction(rawValue: base) {
                #expect(action.requestSchemaName == base)
                #expect("\(action.requestType)" == base + "Request")
            } else {
                let action = OCPPAction(rawValue: String(base.dropLast("Response".count)))
                #expect(base.hasSuffix("Response") && action != nil, "\(file) has no action")
                #expect(action?.responseSchemaName == base)
                #expect(action.map { "\($0.responseType)" } == base)
            }
            let text = try #require(OCPPSchemaTexts.v16[base], "\(base) missing from OCPPSchemaTexts.v16")
            #expect(try JSONParser.parse(text) == Self.parseFile(file), "\(base): embedded text differs from the file")
            #expect(!text.contains("\n") && !text.hasPrefix("\u{FEFF}"))
        }
        #expect(Set(OCPPSchemaTexts.v16.keys) == Set(files.map { String($0.dropLast(".json".count)) }))
    }

    @Test func everyActionHasBothSchemas() {
        #expect(OCPPAction.allCases.count == 39)
        for action in OCPPAction.allCases {
            #expect(OCPPSchemaTexts.v16[action.requestSchemaName] != nil)
            #expect(OCPPSchemaTexts.v16[action.responseSchemaName] != nil)
        }
    }

    private static func responseType<Request: OCPPRequest>(of _: Request.Type) -> any OCPPPayload.Type { Request.Response.self }

    @Test func requestTypesPointBackAtTheirAction() {
        for action in OCPPAction.allCases {
            #expect(action.requestType.action == action)
            #expect(ObjectIdentifier(Self.responseType(of: action.requestType)) == ObjectIdentifier(action.responseType))
        }
    }

    @Test func profilesAndInitiators() {
        let counts = Dictionary(grouping: OCPPAction.allCases, by: \.profile).mapValues(\.count)
        #expect(
            counts == [
                .core: 16, .firmwareManagement: 4, .localAuthListManagement: 2, .reservation: 2, .smartCharging: 3,
                .remoteTrigger: 1, .security: 11,
            ]
        )
        #expect(OCPPAction.dataTransfer.initiator == .both)
        #expect(OCPPAction.allCases.filter { $0.initiator == .both } == [.dataTransfer])
        let fromChargePoint: Set<OCPPAction> = [
            .authorize, .bootNotification, .heartbeat, .meterValues, .startTransaction, .statusNotification, .stopTransaction,
            .diagnosticsStatusNotification, .firmwareStatusNotification, .logStatusNotification, .securityEventNotification,
            .signCertificate, .signedFirmwareStatusNotification,
        ]
        #expect(Set(OCPPAction.allCases.filter { $0.initiator == .chargePoint }) == fromChargePoint)
        #expect(OCPPAction.triggerMessage.profile == .remoteTrigger && OCPPAction.extendedTriggerMessage.profile == .security)
        #expect(OCPPAction(rawValue: "MeterValues") == .meterValues && OCPPAction(rawValue: "metervalues") == nil)
    }

    @Test func decodesByActionWithoutASwitch() throws {
        let request = try OCPPAction.bootNotification.decodeRequest(["chargePointVendor": "V", "chargePointModel": "M"])
        #expect(request as? BootNotificationRequest == BootNotificationRequest(chargePointVendor: "V", chargePointModel: "M"))
        let response = try OCPPAction.heartbeat.decodeResponse(["currentTime": "2026-01-01T00:00:00Z"])
        #expect((response as? HeartbeatResponse)?.currentTime == Timestamp(parsing: "2026-01-01T00:00:00Z"))
        #expect(throws: OCPPError.self) { try OCPPAction.authorize.decodeRequest([:]) }
    }
}
