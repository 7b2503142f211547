import ArgumentParser
import Shared

/// Arguments every command to one charger takes.
struct ChargerTarget: ParsableArguments {
    @Argument(help: "Charge point id.") var id: String
}

/// `reset ID [--hard]` [Reset].
struct ResetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reset", abstract: "Reset a charger: soft (default) or hard. [Reset]")
    @OptionGroup(visibility: .hidden) var globals: GlobalOptions
    @OptionGroup var target: ChargerTarget
    @Flag(help: "Hard reset (reboot without stopping transactions gracefully).") var hard = false

    func run() async throws {
        try await ChargerCall.run(globals, target.id, .reset, ["type": hard ? "Hard" : "Soft"])
    }
}

/// `unlock ID CONNECTOR` [UnlockConnector].
struct UnlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unlock", abstract: "Unlock a connector (exit 0 when Unlocked). [UnlockConnector]")
    @OptionGroup(visibility: .hidden) var globals: GlobalOptions
    @OptionGroup var target: ChargerTarget
    @Argument(help: "Connector id (1 or more).") var connector: Int

    func validate() throws { guard connector >= 1 else { throw ValidationError("CONNECTOR must be 1 or more") } }

    func run() async throws {
        try await ChargerCall.run(globals, target.id, .unlockConnector, ["connectorId": .number(JSONNumber(connector))])
    }
}

/// `availability ID [CONNECTOR] operative|inoperative` [ChangeAvailability].
struct AvailabilityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "availability",
        abstract: "Make a connector (or the whole charger: connector 0 or omitted) operative or inoperative. [ChangeAvailability]",
        discussion: "A charger answers Scheduled (exit 1) when a transaction runs; the change then happens when it ends."
    )
    @OptionGroup(visibility: .hidden) var globals: GlobalOptions
    @OptionGroup var target: ChargerTarget
    @Argument(help: "[CONNECTOR] operative|inoperative") var words: [String] = []

    func parsed() throws -> (connector: Int, type: String) {
        guard let last = words.last, let type = ["operative": "Operative", "inoperative": "Inoperative"][last.lowercased()] else {
            throw ValidationError("expected `availability ID [CONNECTOR] operative|inoperative`")
        }
        switch words.count {
        case 1: return (0, type)
        case 2:
            guard let connector = Int(words[0]), connector >= 0 else { throw ValidationError("CONNECTOR must be a number, 0 for the whole charger") }
            return (connector, type)
        default: throw ValidationError("expected `availability ID [CONNECTOR] operative|inoperative`")
        }
    }

    func validate() throws { _ = try parsed() }

    func run() async throws {
        let (connector, type) = try parsed()
        try await ChargerCall.run(globals, target.id, .changeAvailability, ["connectorId": .number(JSONNumber(connector)), "type": .string(type)])
    }
}

/// `config get ID [KEY...]` [GetConfiguration]; `config set ID KEY VALUE` [ChangeConfiguration].
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Read or change configuration keys.", subcommands: [Get.self, Set.self]
    )

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read configuration keys (all when none given); the server keeps them for `charger ID`. [GetConfiguration]"
        )
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @OptionGroup var target: ChargerTarget
        @Argument(help: "Keys to read.") var keys: [String] = []

        func run() async throws {
            let payload: JSONValue = keys.isEmpty ? [:] : ["key": .array(keys.map(JSONValue.string))]
            let result = try await ChargerCall.send(globals, target.id, OCPPAction.getConfiguration.rawValue, payload, verbatim: false)
            if globals.json || result.error != nil {
                Output.result(result, json: globals.json)
            } else {
                let entries = result.response["configurationKey"]?.arrayValue ?? []
                Output.table(
                    ["KEY", "VALUE", "READONLY"],
                    entries.map { [$0["key"]?.stringValue ?? "?", Output.dash($0["value"]?.stringValue), $0["readonly"]?.boolValue == true ? "yes" : "no"] }
                )
                for unknown in result.response["unknownKey"]?.arrayValue ?? [] {
                    Output.line("unknown key: \(unknown.stringValue ?? unknown.serialized())")
                }
            }
            if result.exitCode != 0 { throw ExitCode(result.exitCode) }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change one configuration key (exit 0 Accepted; 1 for Rejected, RebootRequired, NotSupported). [ChangeConfiguration]"
        )
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @OptionGroup var target: ChargerTarget
        @Argument(help: "Key.") var key: String
        @Argument(help: "Value (text, as OCPP sends all values).") var value: String

        func run() async throws {
            try await ChargerCall.run(globals, target.id, .changeConfiguration, ["key": .string(key), "value": .string(value)])
        }
    }
}

/// `clear-cache ID` [ClearCache].
struct ClearCacheCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clear-cache", abstract: "Clear the charger's authorization cache. [ClearCache]")
    @OptionGroup(visibility: .hidden) var globals: GlobalOptions
    @OptionGroup var target: ChargerTarget

    func run() async throws { try await ChargerCall.run(globals, target.id, .clearCache, [:]) }
}

/// `start ID --tag TAG [--connector N]` [RemoteStartTransaction].
struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start a charging session remotely. [RemoteStartTransaction]")
    @OptionGroup(visibility: .hidden) var globals: GlobalOptions
    @OptionGroup var target: ChargerTarget
    @Option(help: "Id tag the session is started for.") var tag: String
    @Option(help: "Connector (1 or more); the charger picks one when omitted.") var connector: Int?

    func validate() throws {
        guard tag.count <= 20, !tag.isEmpty else { throw ValidationError("--tag must be 1 to 20 characters (OCPP IdToken)") }
        if let connector, connector < 1 { throw ValidationError("--connector must be 1 or more") }
    }

    func run() async throws {
        var payload: JSONObject = [:]
        if let connector { payload["connectorId"] = .number(JSONNumber(connector)) }
        payload["idTag"] = .string(tag)
        try await ChargerCall.run(globals, target.id, .remoteStartTransaction, .object(payload))
    }
}

/// `stop ID TRANSACTION-ID` [RemoteStopTransaction].
struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop a charging session remotely, e.g. to free a connector. [RemoteStopTransaction]",
        discussion: "`ocpp-ctl sessions --active --charger ID` lists the transaction ids."
    )
    @OptionGroup(visibility: .hidden) var globals: GlobalOptions
    @OptionGroup var target: ChargerTarget
    @Argument(help: "Transaction id.") var transactionID: Int

    func run() async throws {
        try await ChargerCall.run(globals, target.id, .remoteStopTransaction, ["transactionId": .number(JSONNumber(transactionID))])
    }
}

/// `trigger ID MESSAGE [--connector N]` [TriggerMessage].
struct TriggerCommand: AsyncParsableCommand {
    static let messages = ["BootNotification", "DiagnosticsStatusNotification", "FirmwareStatusNotification", "Heartbeat", "MeterValues", "StatusNotification"]
    /// ExtendedTriggerMessage (security extension): no DiagnosticsStatusNotification, plus the two below.
    static let extendedMessages = MessageTriggerEnumType.allCases.map(\.rawValue)

    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Ask the charger to send a message now. [TriggerMessage; with --extended ExtendedTriggerMessage]",
        discussion: """
            MESSAGE: \(messages.joined(separator: ", ")) (case-insensitive). With --extended: \
            \(extendedMessages.joined(separator: ", ")).
            """
    )
    @OptionGroup(visibility: .hidden) var globals: GlobalOptions
    @OptionGroup var target: ChargerTarget
    @Argument(help: "The message to send.") var message: String
    @Option(help: "Connector the message is about.") var connector: Int?
    @Flag(help: "Send ExtendedTriggerMessage (security extension), e.g. for SignChargePointCertificate or LogStatusNotification.") var extended = false

    var resolved: String? { (extended ? Self.extendedMessages : Self.messages).first { $0.lowercased() == message.lowercased() } }

    func validate() throws {
        guard resolved != nil else {
            throw ValidationError("MESSAGE must be one of \((extended ? Self.extendedMessages : Self.messages).joined(separator: ", "))\(extended ? "" : " (more with --extended)")")
        }
        if let connector, connector < 0 { throw ValidationError("--connector must be 0 or more") }
    }

    func run() async throws {
        var payload: JSONObject = ["requestedMessage": .string(resolved ?? message)]
        if let connector { payload["connectorId"] = .number(JSONNumber(connector)) }
        try await ChargerCall.run(globals, target.id, extended ? .extendedTriggerMessage : .triggerMessage, .object(payload))
    }
}

/// `data-transfer ID --vendor V [--message-id M] [--data D]` [DataTransfer].
struct DataTransferCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "data-transfer", abstract: "Send vendor-specific data. [DataTransfer]")
    @OptionGroup(visibility: .hidden) var globals: GlobalOptions
    @OptionGroup var target: ChargerTarget
    @Option(help: "Vendor id.") var vendor: String
    @Option(help: "Message id.") var messageID: String?
    @Option(help: "Data (text).") var data: String?

    func run() async throws {
        var payload: JSONObject = ["vendorId": .string(vendor)]
        if let messageID { payload["messageId"] = .string(messageID) }
        if let data { payload["data"] = .string(data) }
        try await ChargerCall.run(globals, target.id, .dataTransfer, .object(payload))
    }
}

/// `call ID ACTION JSON`: any CALL, verbatim.
struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Send any CALL verbatim (no schema check) and print the charger's answer, for vendor-specific work.",
        discussion: "Example: ocpp-ctl call CP01 GetConfiguration '{\"key\":[\"HeartbeatInterval\"]}'"
    )
    @OptionGroup(visibility: .hidden) var globals: GlobalOptions
    @OptionGroup var target: ChargerTarget
    @Argument(help: "Action name, e.g. GetConfiguration or a vendor's own.") var action: String
    @Argument(help: "The payload as JSON (default: {}).") var json: String = "{}"

    func run() async throws {
        let payload: JSONValue
        do { payload = try JSONParser.parse(json) } catch { throw CtlFailure.usage("JSON is not valid JSON: \(error)") }
        let result = try await ChargerCall.send(globals, target.id, action, payload, verbatim: true)
        if globals.json {
            Output.json(result)
        } else if let error = result.error {
            Output.line("CallError \(error.code): \(error.description) \(error.details.serialized())")
        } else {
            Output.line(result.response.serialized())
        }
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }
}
