/// One OCPP-J message: CALL `[2, id, action, payload]`, CALLRESULT `[3, id, payload]` or
/// CALLERROR `[4, id, code, description, details]` (J§4).
public enum RPCFrame: Sendable, Hashable {
    case call(RPCCall)
    case callResult(RPCCallResult)
    case callError(RPCCallError)

    public var messageType: MessageType {
        switch self {
        case .call: .call
        case .callResult: .callResult
        case .callError: .callError
        }
    }

    public var messageID: String {
        switch self {
        case .call(let c): c.messageID
        case .callResult(let r): r.messageID
        case .callError(let e): e.messageID
        }
    }

    /// The frame as compact JSON text, ready for a WebSocket text message.
    public func serialized() -> String {
        switch self {
        case .call(let c): c.serialized()
        case .callResult(let r): r.serialized()
        case .callError(let e): e.serialized()
        }
    }
}

/// A request. `action` is kept as the text received so an unknown action can still be answered with NotImplemented.
public struct RPCCall: Sendable, Hashable {
    public var messageID: String
    public var action: String
    public var payload: JSONValue

    public init(messageID: String, action: String, payload: JSONValue) {
        self.messageID = messageID
        self.action = action
        self.payload = payload
    }

    public func serialized() -> String {
        JSONValue.array([2, .string(messageID), .string(action), payload]).serialized()
    }
}

/// A successful answer; business refusals (`Rejected`, …) are CALLRESULTs too.
public struct RPCCallResult: Sendable, Hashable {
    public var messageID: String
    public var payload: JSONValue

    public init(messageID: String, payload: JSONValue) {
        self.messageID = messageID
        self.payload = payload
    }

    public func serialized() -> String {
        JSONValue.array([3, .string(messageID), payload]).serialized()
    }
}

/// A failed answer. `rawCode` keeps the code as received when a peer used a spelling outside OCPP 1.6.
public struct RPCCallError: Sendable, Hashable {
    public var messageID: String
    public var code: CallErrorCode
    public var rawCode: String
    public var description: String
    public var details: JSONValue

    public init(messageID: String, code: CallErrorCode, description: String, details: JSONValue = .object(JSONObject())) {
        self.init(messageID: messageID, code: code, rawCode: code.rawValue, description: description, details: details)
    }

    public init(messageID: String, code: CallErrorCode, rawCode: String, description: String, details: JSONValue) {
        self.messageID = messageID
        self.code = code
        self.rawCode = rawCode
        self.description = description
        self.details = details
    }

    public init(messageID: String, _ error: OCPPError) {
        self.init(messageID: messageID, code: error.code, description: error.description, details: error.details)
    }

    public func serialized() -> String {
        JSONValue.array([4, .string(messageID), .string(rawCode), .string(description), details]).serialized()
    }
}
