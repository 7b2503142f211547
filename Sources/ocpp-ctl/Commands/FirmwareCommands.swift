import ArgumentParser
import Shared

/// `firmware ID --location URL --retrieve-at T` [UpdateFirmware].
struct FirmwareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "firmware",
        abstract: "Have the charger download and install firmware; progress arrives as firmwareStatus events. [UpdateFirmware]"
    )
    @OptionGroup(visibility: .hidden) var globals: GlobalOptions
    @OptionGroup var target: ChargerTarget
    @Option(help: "URL the charger downloads the firmware from.") var location: String
    @Option(help: "When to download it (RFC 3339, now, +1h, ...).") var retrieveAt: String = "now"
    @Option(help: "Download attempts.") var retries: Int?
    @Option(help: "Seconds between attempts.") var retryInterval: Int?

    func run() async throws {
        var payload: JSONObject = ["location": .string(location)]
        if let retries { payload["retries"] = .number(JSONNumber(retries)) }
        payload["retrieveDate"] = .string(try TimeArgument.parse(retrieveAt, flag: "--retrieve-at").description)
        if let retryInterval { payload["retryInterval"] = .number(JSONNumber(retryInterval)) }
        try await ChargerCall.run(globals, target.id, .updateFirmware, .object(payload))
    }
}

/// `diagnostics ID --location URL` [GetDiagnostics].
struct DiagnosticsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnostics",
        abstract: "Have the charger upload its diagnostics; prints the file name it will upload. [GetDiagnostics]"
    )
    @OptionGroup(visibility: .hidden) var globals: GlobalOptions
    @OptionGroup var target: ChargerTarget
    @Option(help: "Upload URL (e.g. ftp://host/path/).") var location: String
    @Option(help: "Oldest log time to include.") var startTime: String?
    @Option(help: "Newest log time to include.") var stopTime: String?
    @Option(help: "Upload attempts.") var retries: Int?
    @Option(help: "Seconds between attempts.") var retryInterval: Int?

    func run() async throws {
        var payload: JSONObject = ["location": .string(location)]
        if let retries { payload["retries"] = .number(JSONNumber(retries)) }
        if let retryInterval { payload["retryInterval"] = .number(JSONNumber(retryInterval)) }
        if let startTime { payload["startTime"] = .string(try TimeArgument.parse(startTime, flag: "--start-time").description) }
        if let stopTime { payload["stopTime"] = .string(try TimeArgument.parse(stopTime, flag: "--stop-time").description) }
        try await ChargerCall.run(globals, target.id, .getDiagnostics, .object(payload))
    }
}
