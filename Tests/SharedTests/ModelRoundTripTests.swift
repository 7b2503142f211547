import Foundation
import Testing

@testable import Shared

/// Every generated model reads a payload valid by its schema and writes it back unchanged, through `init(json:)` /
/// `json` and through Codable. The payloads are built here from the schemas themselves.
@Suite struct ModelRoundTripTests {
    enum Shape: String, CaseIterable, Sendable {
        /// Every property, first enum value, arrays of two.
        case maximal
        /// Required properties only, arrays of `minItems` (at least one) items.
        case minimal
    }

    static let schemaNames = OCPPSchemaTexts.v16.keys.sorted()

    /// A payload valid by `schema`: first enum value, a date-time, integer 1, number 21.4, short strings.
    static func instance(of schema: JSONValue, root: JSONValue, _ shape: Shape) -> JSONValue {
        var schema = schema
        if let ref = schema["$ref"]?.stringValue, let name = ref.split(separator: "/").last,
            let target = root["definitions"]?[String(name)]
        {
            schema = target
        }
        if let values = schema["enum"]?.arrayValue, let first = values.first { return first }
        switch schema["type"]?.stringValue {
        case "string":
            switch schema["format"]?.stringValue {
            case "date-time": return "2026-03-04T05:06:07Z"
            case "uri": return "ftp://example.com/diagnostics"
            default: return "ab"
            }
        case "integer":
            return 1
        case "number":
            return .number(JSONNumber(text: "21.4")!)
        case "boolean":
            return true
        case "array":
            let item = instance(of: schema["items"] ?? [:], root: root, shape)
            let count = shape == .maximal ? 2 : max(1, schema["minItems"]?.numberValue?.int ?? 0)
            return .array(Array(repeating: item, count: count))
        case "object":
            let required = Set(schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            var members: [JSONMember] = []
            for property in schema["properties"]?.objectValue ?? JSONObject() where shape == .maximal || required.contains(property.key) {
                members.append(JSONMember(key: property.key, value: instance(of: property.value, root: root, shape)))
            }
            return .object(JSONObject(members))
        default:
            Issue.record("schema node without a type: \(schema.serialized())")
            return .null
        }
    }

    /// The model for a schema file's base name: `X` is action X's request, `XResponse` its response.
    static func decode(_ json: JSONValue, schema name: String) throws -> any OCPPPayload {
        if let action = OCPPAction(rawValue: name) { return try action.decodeRequest(json) }
        let action = try #require(name.hasSuffix("Response") ? OCPPAction(rawValue: String(name.dropLast("Response".count))) : nil)
        return try action.decodeResponse(json)
    }

    private func codableRoundTrip<Payload: OCPPPayload>(_ payload: Payload, wire: JSONValue) throws {
        let data = try JSONEncoder().encode(payload)
        #expect(try JSONDecoder().decode(Payload.self, from: data) == payload, "Codable round trip")
        #expect(try JSONDecoder().decode(Payload.self, from: Data(wire.serialized().utf8)) == payload, "Codable reads the wire")
        #expect(try Payload(json: JSONParser.parse(String(decoding: data, as: UTF8.self))) == payload, "init(json:) reads Codable's output")
    }

    @Test(arguments: schemaNames, Shape.allCases)
    func roundTrips(schema name: String, shape: Shape) throws {
        let schema = try JSONParser.parse(try #require(OCPPSchemaTexts.v16[name]))
        let payload = Self.instance(of: schema, root: schema, shape)
        let model = try Self.decode(payload, schema: name)
        #expect(model.json == payload, "\(name) \(shape): \(model.json.serialized()) != \(payload.serialized())")
        #expect(try Self.decode(model.json, schema: name).json == payload)
        try codableRoundTrip(model, wire: payload)
    }

    // MARK: - Exact values

    private static let setChargingProfile: JSONValue = try! JSONParser.parse(
        #"""
        {"connectorId":1,"csChargingProfiles":{"chargingProfileId":7,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile",
        "chargingProfileKind":"Absolute","chargingSchedule":{"startSchedule":"2026-01-01T00:00:00Z","chargingRateUnit":"A",
        "chargingSchedulePeriod":[{"startPeriod":0,"limit":21.4},{"startPeriod":3600,"limit":16,"numberPhases":1}],"minChargingRate":0.1}}}
        """#
    )

    @Test func decimalsAreExact() throws {
        let request = try SetChargingProfileRequest(json: Self.setChargingProfile)
        let schedule = request.csChargingProfiles.chargingSchedule
        #expect(schedule.chargingSchedulePeriod[0].limit == Decimal(string: "21.4"))
        #expect(schedule.chargingSchedulePeriod[1].limit == 16)
        #expect(schedule.minChargingRate == Decimal(string: "0.1"))
        #expect(schedule.chargingRateUnit == .a)
        #expect(request.csChargingProfiles.chargingProfilePurpose == .txDefaultProfile)
        let text = request.json.serialized()
        #expect(text.contains(#""limit":21.4}"#))
        #expect(text.contains(#""limit":16,"#))
        #expect(text.contains(#""minChargingRate":0.1}"#))
        #expect(request.json == Self.setChargingProfile)

        let built = ChargingSchedulePeriod(startPeriod: 0, limit: Decimal(string: "10.5")!)
        #expect(built.json.serialized() == #"{"startPeriod":0,"limit":10.5}"#)
    }

    @Test func unknownEnumValuesAreKept() throws {
        let json = try JSONParser.parse(
            #"{"connectorId":1,"meterValue":[{"timestamp":"2026-01-01T00:00:00Z","sampledValue":[{"value":"50","measurand":"Frequency","unit":"Hz"}]}]}"#
        )
        let request = try MeterValuesRequest(json: json)
        let sample = request.meterValue[0].sampledValue[0]
        #expect(sample.unit == UnitOfMeasure(rawValue: "Hz"))
        #expect(sample.unit?.isKnown == false)
        #expect(sample.unit?.description == "Hz")
        #expect(sample.measurand == .frequency && sample.measurand?.isKnown == true)
        #expect(UnitOfMeasure.hertz.isKnown && UnitOfMeasure.kWh.rawValue == "kWh" && UnitOfMeasure.allCases.count == 18)
        #expect(request.json == json)
        let data = try JSONEncoder().encode(sample.unit)
        #expect(String(decoding: data, as: UTF8.self) == #""Hz""#)
        #expect(try JSONDecoder().decode(UnitOfMeasure.self, from: data) == UnitOfMeasure(rawValue: "Hz"))
    }

    @Test func caseNamesFollowTheRawValues() {
        #expect(Measurand.energyActiveImportRegister.rawValue == "Energy.Active.Import.Register")
        #expect(Measurand.soc.rawValue == "SoC")
        #expect(Phase.l1N.rawValue == "L1-N")
        #expect(Location.ev.rawValue == "EV")
        #expect(UnitOfMeasure.celcius.rawValue == "Celcius")
        #expect(UnitOfMeasure.var.rawValue == "var")
        #expect(ChargePointErrorCode.evCommunicationError.rawValue == "EVCommunicationError")
        #expect(ChargePointStatus.suspendedEVSE.rawValue == "SuspendedEVSE")
        #expect(HashAlgorithmEnumType.sha256.rawValue == "SHA256")
        #expect(ReadingContext.allCases.first == .interruptionBegin)
    }

    @Test func unknownMembersAreIgnoredAndNullOptionalsAreAbsent() throws {
        let json = try JSONParser.parse(#"{"idTag":"ABC","vendorExtra":{"x":1},"connectorId":null}"#)
        let request = try RemoteStartTransactionRequest(json: json)
        #expect(request == RemoteStartTransactionRequest(idTag: "ABC"))
        #expect(request.json.serialized() == #"{"idTag":"ABC"}"#)
        #expect(try HeartbeatRequest(json: .null) == HeartbeatRequest())
    }

    // MARK: - Errors

    private func error(_ json: String, as type: any OCPPPayload.Type) throws -> OCPPError {
        let value = try JSONParser.parse(json)
        do {
            _ = try type.init(json: value)
        } catch {
            return error
        }
        Issue.record("\(json) was accepted")
        return OCPPError(.genericError, "accepted")
    }

    @Test(arguments: [
        (#"{"meterValue":[]}"#, "/connectorId"),
        (#"{"connectorId":1}"#, "/meterValue"),
        (#"{"connectorId":1,"meterValue":[{"sampledValue":[{"value":"1"}]}]}"#, "/meterValue/0/timestamp"),
        (
            #"""
            {"connectorId":1,"meterValue":[{"timestamp":"2026-01-01T00:00:00Z","sampledValue":[{"value":"1"}]},
            {"timestamp":"2026-01-01T00:00:00Z","sampledValue":[{"value":"1"},{"unit":"W"}]}]}
            """#,
            "/meterValue/1/sampledValue/1/value"
        ),
    ])
    func missingRequiredIsOccurenceViolation(json: String, path: String) throws {
        let failure = try error(json, as: MeterValuesRequest.self)
        #expect(failure.code == .occurenceConstraintViolation)
        #expect(failure.path == path)
    }

    @Test(arguments: [
        (#"{"connectorId":"1","meterValue":[]}"#, "/connectorId"),
        (#"{"connectorId":1.5,"meterValue":[]}"#, "/connectorId"),
        (#"{"connectorId":1e2,"meterValue":[]}"#, "/connectorId"),
        (#"{"connectorId":1,"meterValue":{}}"#, "/meterValue"),
        (#"{"connectorId":1,"meterValue":["x"]}"#, "/meterValue/0"),
        (#"{"connectorId":1,"meterValue":[{"timestamp":12,"sampledValue":[]}]}"#, "/meterValue/0/timestamp"),
        (
            #"{"connectorId":1,"meterValue":[{"timestamp":"2026-01-01T00:00:00Z","sampledValue":[{"value":1}]}]}"#,
            "/meterValue/0/sampledValue/0/value"
        ),
        (
            #"{"connectorId":1,"meterValue":[{"timestamp":"2026-01-01T00:00:00Z","sampledValue":[{"value":"1","unit":7}]}]}"#,
            "/meterValue/0/sampledValue/0/unit"
        ),
        (#"{"connectorId":null,"meterValue":[]}"#, "/connectorId"),
    ])
    func wrongTypeIsTypeViolation(json: String, path: String) throws {
        let failure = try error(json, as: MeterValuesRequest.self)
        #expect(failure.code == .typeConstraintViolation)
        #expect(failure.path == path)
    }

    @Test func otherViolations() throws {
        let badDate = try error(#"{"connectorId":1,"meterValue":[{"timestamp":"2026-02-30T00:00:00Z"}]}"#, as: MeterValuesRequest.self)
        #expect(badDate.code == .propertyConstraintViolation && badDate.path == "/meterValue/0/timestamp")
        let huge = try error(#"{"transactionId":99999999999999999999}"#, as: RemoteStopTransactionRequest.self)
        #expect(huge.code == .propertyConstraintViolation && huge.path == "/transactionId")
        let notObject = try error(#"[1]"#, as: HeartbeatRequest.self)
        #expect(notObject.code == .formationViolation && notObject.path == "")
        let missing = try error("null", as: BootNotificationRequest.self)
        #expect(missing.code == .occurenceConstraintViolation && missing.path == "/chargePointVendor")
        let nested = try error(
            #"""
            {"connectorId":1,"csChargingProfiles":{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxProfile",
            "chargingProfileKind":"Relative","chargingSchedule":{"chargingRateUnit":"W","chargingSchedulePeriod":[{"startPeriod":0,"limit":"16"}]}}}
            """#,
            as: SetChargingProfileRequest.self
        )
        #expect(nested.code == .typeConstraintViolation && nested.path == "/csChargingProfiles/chargingSchedule/chargingSchedulePeriod/0/limit")
    }

    @Test func int64TransactionIdsAreAccepted() throws {
        let request = try RemoteStopTransactionRequest(json: ["transactionId": .number(JSONNumber(text: "9223372036854775807")!)])
        #expect(request.transactionId == Int.max)
        let negative = try StopTransactionRequest(json: ["transactionId": -1, "meterStop": 0, "timestamp": "2026-01-01T00:00:00+01:00"])
        #expect(negative.transactionId == -1)
        #expect(negative.json.serialized() == #"{"meterStop":0,"timestamp":"2025-12-31T23:00:00Z","transactionId":-1}"#)
    }
}
