/// A charger's answer to one command, as `ocpp-ctl --json` prints it (cli.md):
/// `{"charger": ID, "action": ACTION, "status": "...", "response": {...charger payload...}}`.
///
/// `status` is the payload's `status` member when it has one; `"Answered"` for a payload without status
/// (GetConfiguration, GetLocalListVersion); `"CallError"` when the charger answered with a CALLERROR, whose code,
/// description and details are in `error`.
public struct CommandResult: Codable, Sendable, Equatable {
    public var charger: String
    public var action: String
    public var status: String
    public var response: JSONValue
    public var error: CallErrorInfo?
    /// The command's row in the server's command log.
    public var commandID: Int64?
    /// Vendor quirks repaired when reading the answer (lenient validation), for the curious.
    public var repairs: [String]?

    public struct CallErrorInfo: Codable, Sendable, Equatable {
        public var code: String
        public var description: String
        public var details: JSONValue

        public init(code: String, description: String, details: JSONValue) {
            self.code = code
            self.description = description
            self.details = details
        }
    }

    public static let answeredWithoutStatus = "Answered"
    public static let callError = "CallError"
    /// Statuses that mean the charger did what was asked (exit 0).
    public static let acceptedStatuses: Set<String> = ["Accepted", "Unlocked", answeredWithoutStatus]

    public init(
        charger: String, action: String, status: String, response: JSONValue, error: CallErrorInfo? = nil, commandID: Int64? = nil,
        repairs: [String]? = nil
    ) {
        self.charger = charger
        self.action = action
        self.status = status
        self.response = response
        self.error = error
        self.commandID = commandID
        self.repairs = repairs
    }

    /// The status to report for a CALLRESULT payload.
    public static func status(of payload: JSONValue) -> String {
        payload["status"]?.stringValue ?? answeredWithoutStatus
    }

    public var isAccepted: Bool { error == nil && Self.acceptedStatuses.contains(status) }
    public var exitCode: Int32 { isAccepted ? 0 : 1 }
}
