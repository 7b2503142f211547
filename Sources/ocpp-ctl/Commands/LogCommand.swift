import ArgumentParser
import Shared

/// `log get ID --type diagnostics|security --location URL` [GetLog].
struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Charger logs (security extension).",
        subcommands: [Get.self]
    )

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Have the charger upload its diagnostics or security log; prints the file name. Progress arrives as logStatus events. [GetLog]"
        )
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @OptionGroup var target: ChargerTarget
        @Option(help: "diagnostics or security.") var type: String
        @Option(help: "Upload URL (http://, https://, ftp://...).") var location: String
        @Option(help: "Oldest log time to include.") var oldest: String?
        @Option(help: "Newest log time to include.") var latest: String?
        @Option(help: "Request id, echoed in the LogStatusNotifications. (default: random)") var requestID: Int?
        @Option(help: "Upload attempts.") var retries: Int?
        @Option(help: "Seconds between attempts.") var retryInterval: Int?

        var logType: LogEnumType? {
            switch type.lowercased() {
            case "diagnostics", "diagnosticslog": .diagnosticsLog
            case "security", "securitylog": .securityLog
            default: nil
            }
        }

        func validate() throws {
            guard logType != nil else { throw ValidationError("--type expects diagnostics or security (got \(type))") }
            guard !location.isEmpty, location.utf8.count <= 512 else { throw ValidationError("--location must be a URL of at most 512 characters") }
        }

        func run() async throws {
            var log = LogParametersType(remoteLocation: location)
            log.oldestTimestamp = try oldest.map { try TimeArgument.parse($0, flag: "--oldest") }
            log.latestTimestamp = try latest.map { try TimeArgument.parse($0, flag: "--latest") }
            let request = GetLogRequest(
                log: log,
                logType: logType ?? .diagnosticsLog,
                requestId: requestID ?? Int.random(in: 1...999_999),
                retries: retries,
                retryInterval: retryInterval
            )
            let result = try await ChargerCall.send(globals, target.id, OCPPAction.getLog.rawValue, request.json, verbatim: false)
            if !globals.json, result.error == nil, let name = result.response["filename"]?.stringValue {
                Output.line("\(result.status) requestId=\(request.requestId) filename=\(name)")
            } else {
                Output.result(result, json: globals.json)
            }
            if result.exitCode != 0 { throw ExitCode(result.exitCode) }
        }
    }
}
