import ArgumentParser
import Foundation
import Shared

/// `firmware ID --location URL --retrieve-at T` [UpdateFirmware]; with `--signed --signing-cert FILE --signature B64`
/// [SignedUpdateFirmware].
struct FirmwareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "firmware",
        abstract: "Have the charger download and install firmware; progress arrives as firmwareStatus events. [UpdateFirmware]",
        discussion: """
            With --signed (security extension): the charger checks --signature (base64, over the firmware file, SHA-256 \
            with the signing certificate's RSA or ECDSA key) before installing; progress arrives as signedFirmwareStatus \
            events, and a bad signature as InvalidSignature plus an InvalidFirmwareSignature security event. [SignedUpdateFirmware]
            """
    )
    @OptionGroup(visibility: .hidden) var globals: GlobalOptions
    @OptionGroup var target: ChargerTarget
    @Option(help: "URL the charger downloads the firmware from.") var location: String
    @Option(help: "When to download it (RFC 3339, now, +1h, ...).") var retrieveAt: String = "now"
    @Option(help: "Download attempts.") var retries: Int?
    @Option(help: "Seconds between attempts.") var retryInterval: Int?
    @Flag(help: "Signed firmware (SignedUpdateFirmware): needs --signing-cert and --signature.") var signed = false
    @Option(help: "With --signed: the PEM certificate whose key signed the firmware.") var signingCert: String?
    @Option(help: "With --signed: the firmware's signature, base64.") var signature: String?
    @Option(help: "With --signed: when to install (RFC 3339, now, +1h, ...); as soon as downloaded when omitted.") var installAt: String?
    @Option(help: "With --signed: request id echoed in the status notifications. (default: random)") var requestID: Int?

    func validate() throws {
        if signed {
            guard signingCert != nil, let signature, !signature.isEmpty else {
                throw ValidationError("--signed needs --signing-cert FILE and --signature BASE64")
            }
            guard signature.utf8.count <= 800 else { throw ValidationError("--signature is at most 800 characters (OCPP)") }
            guard Data(base64Encoded: signature) != nil else { throw ValidationError("--signature must be base64") }
        } else if signingCert != nil || signature != nil || installAt != nil || requestID != nil {
            throw ValidationError("--signing-cert, --signature, --install-at and --request-id go with --signed")
        }
    }

    func run() async throws {
        if signed { return try await runSigned() }
        var payload: JSONObject = ["location": .string(location)]
        if let retries { payload["retries"] = .number(JSONNumber(retries)) }
        payload["retrieveDate"] = .string(try TimeArgument.parse(retrieveAt, flag: "--retrieve-at").description)
        if let retryInterval { payload["retryInterval"] = .number(JSONNumber(retryInterval)) }
        try await ChargerCall.run(globals, target.id, .updateFirmware, .object(payload))
    }

    private func runSigned() async throws {
        let certificate = try CertCommand.readPEM(signingCert ?? "", flag: "--signing-cert")
        guard certificate.utf8.count <= 5500 else { throw CtlFailure.usage("--signing-cert is over 5500 bytes; OCPP allows one PEM certificate") }
        var firmware = FirmwareType(
            location: location, retrieveDateTime: try TimeArgument.parse(retrieveAt, flag: "--retrieve-at"), signingCertificate: certificate,
            signature: signature ?? ""
        )
        firmware.installDateTime = try installAt.map { try TimeArgument.parse($0, flag: "--install-at") }
        let request = SignedUpdateFirmwareRequest(
            retries: retries, retryInterval: retryInterval, requestId: requestID ?? Int.random(in: 1...999_999), firmware: firmware
        )
        try await ChargerCall.run(globals, target.id, .signedUpdateFirmware, request.json)
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
