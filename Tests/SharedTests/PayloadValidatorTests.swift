import Foundation
import Testing

@testable import Shared

@Suite struct PayloadValidatorTests {
    func call(_ action: String, _ payload: String) throws -> RPCCall {
        RPCCall(messageID: "1", action: action, payload: try JSONParser.parse(payload))
    }

    func strictError(_ action: String, _ payload: String) throws -> OCPPError? {
        do {
            _ = try PayloadValidator.validateRequest(try call(action, payload), mode: .strict)
            return nil
        } catch let error as OCPPError {
            return error
        }
    }

    func lenient(_ action: String, _ payload: String) throws -> ValidatedPayload {
        try PayloadValidator.validateRequest(try call(action, payload), mode: .lenient, receivedAt: Timestamp(Date(timeIntervalSince1970: 0)))
    }

    @Test func everySchemaCompiles() throws {
        for (name, text) in OCPPSchemaTexts.v16 {
            #expect(throws: Never.self, "\(name)") { try SchemaCompiler.compile(text) }
        }
        #expect(OCPPSchemas.v16.count == OCPPSchemaTexts.v16.count)
    }

    /// Strict mode: each kind of violation maps to its CALLERROR code (essentials §1.1).
    @Test(arguments: [
        ("Authorize", #"{}"#, CallErrorCode.occurenceConstraintViolation, "/idTag"),
        ("Authorize", #"{"idTag":12}"#, .typeConstraintViolation, "/idTag"),
        ("Authorize", #"{"idTag":"123456789012345678901"}"#, .propertyConstraintViolation, "/idTag"),
        ("Authorize", #"{"idTag":"A","extra":1}"#, .formationViolation, "/extra"),
        ("StatusNotification", #"{"connectorId":1,"errorCode":"Error","status":"Available"}"#, .propertyConstraintViolation, "/errorCode"),
        ("StatusNotification", #"{"connectorId":"1","errorCode":"NoError","status":"Available"}"#, .typeConstraintViolation, "/connectorId"),
        ("StartTransaction", #"{"connectorId":1,"idTag":"A","meterStart":1.5,"timestamp":"2026-01-01T00:00:00Z"}"#, .typeConstraintViolation, "/meterStart"),
        ("StartTransaction", #"{"connectorId":1,"idTag":"A","meterStart":1,"timestamp":"2026-01-01T00:00:00"}"#, .propertyConstraintViolation, "/timestamp"),
        ("MeterValues", #"{"connectorId":1,"meterValue":[]}"#, .occurenceConstraintViolation, "/meterValue"),
        ("MeterValues", #"{"connectorId":1,"meterValue":[{"timestamp":"2026-01-01T00:00:00Z","sampledValue":[{"value":0.5}]}]}"#, .typeConstraintViolation, "/meterValue/0/sampledValue/0/value"),
        ("BootNotification", #"{"chargePointVendor":"V","chargePointModel":"M","ChargeBoxSerialNumber":"S"}"#, .formationViolation, "/ChargeBoxSerialNumber"),
        ("SetChargingProfile", Self.profile(limit: "21.45"), .propertyConstraintViolation, "/csChargingProfiles/chargingSchedule/chargingSchedulePeriod/0/limit"),
        ("Reset", #"{"type":"Warm"}"#, .propertyConstraintViolation, "/type"),
        ("RemoteStartTransaction", #"{"idTag":"A","connectorId":true}"#, .typeConstraintViolation, "/connectorId"),
    ])
    func strictViolations(action: String, payload: String, code: CallErrorCode, path: String) throws {
        let error = try #require(try strictError(action, payload))
        #expect(error.code == code)
        #expect(error.path == path)
    }

    @Test func unknownActionIsNotImplemented() throws {
        #expect(try strictError("FlyToTheMoon", "{}")?.code == .notImplemented)
        #expect(throws: OCPPError(.notImplemented, "unknown action heartbeat")) { try self.lenient("heartbeat", "{}") }
    }

    static func profile(limit: String) -> String {
        #"{"connectorId":1,"csChargingProfiles":{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile","#
            + #""chargingProfileKind":"Absolute","chargingSchedule":{"startSchedule":"2026-01-01T00:00:00Z","chargingRateUnit":"A","#
            + #""chargingSchedulePeriod":[{"startPeriod":0,"limit":\#(limit)}],"minChargingRate":0.1}}}"#
    }

    /// 0.1 steps are not exact in binary: 21.4, 0.3, 1e-1 and 100000000000000.1 are multiples of 0.1 by decimal arithmetic.
    @Test(arguments: ["21.4", "0.3", "6", "1e-1", "32.0", "100000000000000.1", "0.7"])
    func multipleOfIsDecimal(limit: String) throws {
        #expect(try strictError("SetChargingProfile", Self.profile(limit: limit)) == nil)
    }

    @Test func leavesValidPayloadUntouched() throws {
        let text = #"{"connectorId":1,"errorCode":"NoError","status":"Charging","timestamp":"2026-01-01T00:00:00.123+02:00"}"#
        let result = try lenient("StatusNotification", text)
        #expect(result.repairs.isEmpty)
        #expect(result.payload == (try JSONParser.parse(text)))
    }

    @Test func lenientRepairsVendorQuirks() throws {
        let result = try lenient(
            "BootNotification",
            #"{"chargePointModel":"CDT_TACW7::NET_WIFI","chargePointVendor":"Chargedot","ChargeBoxSerialNumber":"TACW745020G0309","#
                + #""firmwareVersion":"TAC1Z9118606710273::V1.3.5","meterType":"V1","iccid":"null","vendorThing":3}"#
        )
        #expect(result.payload["chargeBoxSerialNumber"] == "TACW745020G0309")
        #expect(result.payload["ChargeBoxSerialNumber"] == nil)
        #expect(result.payload["iccid"] == nil)
        #expect(result.payload["vendorThing"] == nil)
        #expect(result.repairs.map(\.kind) == [.propertyNameCase, .absentValueRemoved, .unknownPropertyIgnored])
        #expect(result.repairs.map(\.path) == ["/chargeBoxSerialNumber", "/iccid", "/vendorThing"])
    }

    @Test func lenientCoercesTypesAndTruncates() throws {
        let result = try lenient(
            "StartTransaction",
            #"{"connectorId":"1","idTag":"ABCDEFGHIJKLMNOPQRSTUVWXYZ","meterStart":106.7,"timestamp":"2023-10-19T15:28:07"}"#
        )
        #expect(result.payload["connectorId"] == 1)
        #expect(result.payload["idTag"] == "ABCDEFGHIJKLMNOPQRST")
        #expect(result.payload["meterStart"] == 107)
        #expect(result.payload["timestamp"] == "2023-10-19T15:28:07Z")
        #expect(result.repairs.map(\.kind) == [.stringToNumber, .stringTruncated, .fractionRounded, .timestampAssumedUTC])
        let request = try #require(try result.decodeRequest() as? StartTransactionRequest)
        #expect(request.meterStart == 107)
    }

    @Test func lenientMeterValuesQuirks() throws {
        let result = try lenient(
            "MeterValues",
            #"{"connectorId":1,"meterValue":{"timestamp":"","sampledValue":[{"value":0.0,"unit":"Hz","measurand":"Frequency"},"#
                + #"{"value":"5","unit":"A","context":"CurrentMax"}]}}"#
        )
        let kinds = result.repairs.map(\.kind)
        #expect(kinds == [.wrappedInArray, .timestampReplaced, .numberToString, .enumValueMapped, .unknownEnumValueKept])
        #expect(result.payload["meterValue"]?.arrayValue?.first?["timestamp"] == "1970-01-01T00:00:00Z")
        let request = try #require(try result.decodeRequest() as? MeterValuesRequest)
        #expect(request.meterValue[0].sampledValue[0].unit == .hertz)
        #expect(request.meterValue[0].sampledValue[0].value == "0.0")
        #expect(request.meterValue[0].sampledValue[1].context?.rawValue == "CurrentMax")
    }

    @Test func emptySampledValueIsAcceptedLeniently() throws {
        let result = try lenient("MeterValues", #"{"connectorId":1,"meterValue":[{"timestamp":"2026-01-01T00:00:00Z","sampledValue":[]}]}"#)
        #expect(result.repairs.map(\.kind) == [.itemCountOutOfRange])
    }

    @Test func missingRequiredFieldStaysAnErrorLeniently() throws {
        #expect(throws: OCPPError.self) { try self.lenient("StopTransaction", #"{"meterStop":1,"timestamp":"2026-01-01T00:00:00Z"}"#) }
        do {
            _ = try lenient("StopTransaction", #"{"meterStop":1,"timestamp":"2026-01-01T00:00:00Z"}"#)
        } catch let error as OCPPError {
            #expect(error.code == .occurenceConstraintViolation && error.path == "/transactionId")
        }
    }

    /// A command a charger must act on is not guessed at: an unknown reset type stays an error.
    @Test func unknownEnumInCommandIsRejectedLeniently() throws {
        #expect(throws: OCPPError.self) { try self.lenient("Reset", #"{"type":"Warm"}"#) }
        let mapped = try lenient("Reset", #"{"type":"hard"}"#)
        #expect(mapped.payload["type"] == "Hard")
    }

    @Test func lenientRoundsMultipleOf() throws {
        let result = try lenient("SetChargingProfile", Self.profile(limit: "21.45"))
        #expect(result.repairs.map(\.kind) == [.multipleOfRounded])
        let period = result.payload["csChargingProfiles"]?["chargingSchedule"]?["chargingSchedulePeriod"]?.arrayValue?.first
        #expect(period?["limit"] == .number(JSONNumber(text: "21.5")!))
    }

    @Test func validatesResponses() throws {
        let ok = try PayloadValidator.validateResponse(try JSONParser.parse(#"{"status":"Accepted"}"#), to: .reset, mode: .strict)
        #expect(ok.repairs.isEmpty)
        let odd = try PayloadValidator.validateResponse(try JSONParser.parse(#"{"status":"Maybe"}"#), to: .reset, mode: .lenient)
        #expect(odd.repairs.map(\.kind) == [.unknownEnumValueKept])
    }
}
