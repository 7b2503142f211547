/// The error codes of an OCPP-J 1.6 CALLERROR (J§4.2.3, Table 7), with their wire spellings.
///
/// `OccurenceConstraintViolation` keeps the specification's single "r" (J errata §5). Codes other implementations send
/// (`FormatViolation`, `OccurrenceConstraintViolation`, `RpcFrameworkError`, `MessageTypeNotSupported`) are read into
/// the nearest 1.6 code by `init(wireValue:)`.
public enum CallErrorCode: String, Sendable, Hashable, CaseIterable, Codable {
    /// Requested action is not known by the receiver.
    case notImplemented = "NotImplemented"
    /// Requested action is recognised but not supported by the receiver.
    case notSupported = "NotSupported"
    /// An internal error occurred and the receiver was not able to process the action.
    case internalError = "InternalError"
    /// Payload for the action is incomplete.
    case protocolError = "ProtocolError"
    /// During the processing of the action a security issue occurred.
    case securityError = "SecurityError"
    /// Payload is syntactically incorrect or does not conform to the PDU structure.
    case formationViolation = "FormationViolation"
    /// Payload is syntactically correct but at least one field contains an invalid value.
    case propertyConstraintViolation = "PropertyConstraintViolation"
    /// Payload is syntactically correct but at least one field violates occurrence constraints.
    case occurenceConstraintViolation = "OccurenceConstraintViolation"
    /// Payload is syntactically correct but at least one field violates data type constraints.
    case typeConstraintViolation = "TypeConstraintViolation"
    /// Any other error not covered by the previous ones.
    case genericError = "GenericError"

    /// Reads a code as other OCPP stacks send it; unknown spellings become `genericError`.
    public init(wireValue: String) {
        if let code = CallErrorCode(rawValue: wireValue) {
            self = code
            return
        }
        switch wireValue {
        case "FormatViolation": self = .formationViolation
        case "OccurrenceConstraintViolation": self = .occurenceConstraintViolation
        case "RpcFrameworkError", "MessageTypeNotSupported": self = .formationViolation
        default: self = .genericError
        }
    }
}
