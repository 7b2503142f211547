import Foundation

/// A payload that passed its schema (after lenient repairs), with the repairs to record beside the raw frame.
public struct ValidatedPayload: Sendable, Hashable {
    public var action: OCPPAction
    public var payload: JSONValue
    public var repairs: [Repair]

    public init(action: OCPPAction, payload: JSONValue, repairs: [Repair]) {
        self.action = action
        self.payload = payload
        self.repairs = repairs
    }

    /// The typed request model for this action (`MeterValuesRequest`, …); decode only where logic needs fields.
    public func decodeRequest() throws(OCPPError) -> any OCPPPayload {
        try action.decodeRequest(payload)
    }

    public func decodeResponse() throws(OCPPError) -> any OCPPPayload {
        try action.decodeResponse(payload)
    }
}

extension PayloadValidator {
    /// Validates the payload of a received CALL. An action outside OCPP 1.6 is `NotImplemented`.
    ///
    /// Unknown enumeration values are kept (lenient) unless the request is one the receiver must act on:
    /// a central-system command read by a charger.
    public static func validateRequest(
        _ call: RPCCall,
        mode: ValidationMode,
        receivedAt: Timestamp = Timestamp(Date())
    ) throws(OCPPError) -> ValidatedPayload {
        guard let action = OCPPAction(rawValue: call.action) else {
            throw OCPPError(.notImplemented, "unknown action \(call.action)")
        }
        let validator = PayloadValidator(mode: mode, keepsUnknownEnumValues: action.initiator != .centralSystem, receivedAt: receivedAt)
        var payload = call.payload
        let repairs = try validator.validate(&payload, against: OCPPSchemas.request(action))
        return ValidatedPayload(action: action, payload: payload, repairs: repairs)
    }

    /// Validates the payload of a CALLRESULT answering `action`.
    public static func validateResponse(
        _ payload: JSONValue,
        to action: OCPPAction,
        mode: ValidationMode,
        receivedAt: Timestamp = Timestamp(Date())
    ) throws(OCPPError) -> ValidatedPayload {
        let validator = PayloadValidator(mode: mode, keepsUnknownEnumValues: true, receivedAt: receivedAt)
        var payload = payload
        let repairs = try validator.validate(&payload, against: OCPPSchemas.response(action))
        return ValidatedPayload(action: action, payload: payload, repairs: repairs)
    }
}
