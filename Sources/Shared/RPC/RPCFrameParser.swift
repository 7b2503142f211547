/// Reads OCPP-J frames from WebSocket text messages, deciding for every malformed input what to answer
/// (essentials §1.1): a CALLERROR for what might be a CALL, silence for results and unknown message types.
///
/// The payload is parsed once into a `JSONValue`; typed models are decoded later, only where logic needs them.
public enum RPCFrameParser {
    /// The id used in a CALLERROR when the offending frame's id cannot be read (as ocpp-rpc does).
    public static let unknownMessageID = "-1"
    /// J§4.1.4: message ids are at most 36 characters.
    public static let maxMessageIDLength = 36

    public static func parse(_ text: String, mode: ValidationMode = .lenient) -> RPCParseOutcome {
        var contiguous = text
        return contiguous.withUTF8 { parse(UnsafeRawBufferPointer($0), mode: mode) }
    }

    public static func parse(_ bytes: [UInt8], mode: ValidationMode = .lenient) -> RPCParseOutcome {
        bytes.withUnsafeBytes { parse($0, mode: mode) }
    }

    /// Reads one message's bytes; invalid UTF-8 is a FormationViolation like any other unreadable text.
    public static func parse(_ bytes: UnsafeRawBufferPointer, mode: ValidationMode = .lenient) -> RPCParseOutcome {
        if bytes.allSatisfy(isWhitespace) { return .ignore(reason: "empty message") }
        let elements: [(value: JSONValue, range: Range<Int>)]
        do {
            elements = try JSONParser.parseArrayElements(bytes)
        } catch {
            return salvage(bytes, reason: "not a JSON array: \(error)")
        }
        guard let first = elements.first else {
            return .reject(RPCCallError(messageID: unknownMessageID, code: .formationViolation, description: "empty array"))
        }
        let idElement = elements.count > 1 ? elements[1].value : nil
        guard case .number(let typeNumber) = first.value else {
            return .reject(
                RPCCallError(
                    messageID: idElement?.stringValue ?? unknownMessageID,
                    code: .formationViolation,
                    description: "element 0 must be the MessageTypeId number"
                )
            )
        }
        guard let typeID = typeNumber.int, let type = MessageType(rawValue: typeID) else {
            return .ignore(reason: "unknown MessageTypeId \(typeNumber.text)")
        }

        var repairs: [Repair] = []
        let messageID: String
        switch idElement {
        case .string(let id) where id.utf8.count <= maxMessageIDLength:
            messageID = id
        case .string(let id):
            guard mode == .lenient else {
                return answerOrDrop(type, id: id, code: .formationViolation, "message id longer than \(maxMessageIDLength) characters")
            }
            messageID = id
            repairs.append(Repair(.messageIDIrregular, path: "", detail: "id of \(id.utf8.count) characters"))
        case .number(let n):
            guard mode == .lenient else {
                return answerOrDrop(type, id: nil, code: .formationViolation, "message id must be a string")
            }
            messageID = n.text
            repairs.append(Repair(.messageIDIrregular, path: "", detail: "numeric id \(n.text) read as text"))
        default:
            return answerOrDrop(type, id: nil, code: .formationViolation, "element 1 must be the message id string")
        }

        switch type {
        case .call:
            guard elements.count >= 3, case .string(let action) = elements[2].value else {
                return .reject(RPCCallError(messageID: messageID, code: .formationViolation, description: "element 2 must be the action name"))
            }
            guard elements.count >= 4 else {
                return .reject(RPCCallError(messageID: messageID, code: .protocolError, description: "payload for \(action) is missing"))
            }
            guard elements.count == 4 else {
                return .reject(RPCCallError(messageID: messageID, code: .formationViolation, description: "a CALL has 4 elements, got \(elements.count)"))
            }
            let payloadElement = elements[3]
            let payload: JSONValue
            switch payloadElement.value {
            case .object: payload = payloadElement.value
            case .null: payload = .object(JSONObject())  // J§4.2.1: accept null as an empty payload
            default:
                return .reject(RPCCallError(messageID: messageID, code: .formationViolation, description: "payload must be a JSON object"))
            }
            let call = RPCCall(messageID: messageID, action: action, payload: payload)
            return .frame(.call(call), payloadRange: payloadElement.range, repairs: repairs)

        case .callResult:
            guard elements.count == 3 else {
                return .invalidResponse(messageID: messageID, reason: "a CALLRESULT has 3 elements, got \(elements.count)")
            }
            let payload: JSONValue
            switch elements[2].value {
            case .object: payload = elements[2].value
            case .null: payload = .object(JSONObject())
            default: return .invalidResponse(messageID: messageID, reason: "CALLRESULT payload must be a JSON object")
            }
            let result = RPCCallResult(messageID: messageID, payload: payload)
            return .frame(.callResult(result), payloadRange: elements[2].range, repairs: repairs)

        case .callError:
            guard elements.count >= 3, case .string(let rawCode) = elements[2].value else {
                return .invalidResponse(messageID: messageID, reason: "CALLERROR element 2 must be the error code")
            }
            let description = elements.count > 3 ? (elements[3].value.stringValue ?? "") : ""
            let details = elements.count > 4 ? elements[4].value : .object(JSONObject())
            if mode == .strict {
                guard elements.count == 5, elements[3].value.stringValue != nil, details.objectValue != nil else {
                    return .invalidResponse(messageID: messageID, reason: "a CALLERROR is [4, id, code, description, details{}]")
                }
            }
            let error = RPCCallError(
                messageID: messageID,
                code: CallErrorCode(wireValue: rawCode),
                rawCode: rawCode,
                description: description,
                details: details
            )
            return .frame(.callError(error), payloadRange: nil, repairs: repairs)
        }
    }

    /// A CALL gets a CALLERROR; a malformed answer is never answered.
    private static func answerOrDrop(_ type: MessageType, id: String?, code: CallErrorCode, _ description: String) -> RPCParseOutcome {
        if type == .call {
            return .reject(RPCCallError(messageID: id ?? unknownMessageID, code: code, description: description))
        }
        return .invalidResponse(messageID: id, reason: description)
    }

    /// For text that is not a JSON array: read `[type, "id"` from its start so the CALLERROR can carry the id,
    /// and stay silent when the start says it was a CALLRESULT or CALLERROR.
    private static func salvage(_ bytes: UnsafeRawBufferPointer, reason: String) -> RPCParseOutcome {
        var i = 0
        func skipWhitespace() { while i < bytes.count, isWhitespace(bytes[i]) { i += 1 } }
        skipWhitespace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "[") else {
            return .reject(RPCCallError(messageID: unknownMessageID, code: .formationViolation, description: reason))
        }
        i += 1
        skipWhitespace()
        var typeID = 0
        var digits = 0
        while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9"), digits < 3 {
            typeID = typeID * 10 + Int(bytes[i] - UInt8(ascii: "0"))
            digits += 1
            i += 1
        }
        skipWhitespace()
        var id: String?
        if i < bytes.count, bytes[i] == UInt8(ascii: ",") {
            i += 1
            skipWhitespace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "\"") {
                let start = i + 1
                var end = start
                while end < bytes.count, end - start <= 255, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"),
                    bytes[end] >= 0x20
                {
                    end += 1
                }
                if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
                    id = String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                }
            }
        }
        if digits > 0, typeID == MessageType.callResult.rawValue || typeID == MessageType.callError.rawValue {
            return .invalidResponse(messageID: id, reason: reason)
        }
        return .reject(RPCCallError(messageID: id ?? unknownMessageID, code: .formationViolation, description: reason))
    }

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
