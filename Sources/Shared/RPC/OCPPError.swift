/// An error that answers a CALL: its code and description become the CALLERROR sent back.
///
/// `description` is safe to send to the peer; internal details belong in logs, never here.
public struct OCPPError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: CallErrorCode
    public var description: String
    /// Where in the payload the problem is, as a JSON pointer (`/meterValue/0/sampledValue`), when known.
    public var path: String?

    public init(_ code: CallErrorCode, _ description: String, path: String? = nil) {
        self.code = code
        self.description = description
        self.path = path
    }

    /// The CALLERROR `details` object: `{"path": …}` when a path is known, else `{}`.
    public var details: JSONValue {
        guard let path else { return .object(JSONObject()) }
        return ["path": .string(path)]
    }
}
