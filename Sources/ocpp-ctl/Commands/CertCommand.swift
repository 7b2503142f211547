import ArgumentParser
import Foundation
import Shared

/// `cert install|list|delete|sign`: the charger's certificate store (1.6 security extension).
struct CertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cert",
        abstract: "Manage the certificates a charger holds (security extension).",
        subcommands: [Install.self, List.self, Delete.self, Sign.self]
    )

    /// `--type central|manufacturer`.
    static func certificateType(_ text: String) throws -> CertificateUseEnumType {
        switch text.lowercased() {
        case "central", "centralsystemrootcertificate": return .centralSystemRootCertificate
        case "manufacturer", "manufacturerrootcertificate": return .manufacturerRootCertificate
        default: throw ValidationError("--type expects central or manufacturer (got \(text))")
        }
    }

    /// A PEM file's text, or a usage error naming the file.
    static func readPEM(_ path: String, flag: String) throws -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CtlFailure.usage("\(flag): cannot read \(path); give a PEM certificate file")
        }
        return text
    }

    struct Install: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install a root certificate (PEM file) on the charger. [InstallCertificate]",
            discussion:
                "central: the CentralSystemRootCertificate the charger checks the server with; manufacturer: a ManufacturerRootCertificate for firmware signatures."
        )
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @OptionGroup var target: ChargerTarget
        @Option(help: "central or manufacturer.") var type: String
        @Argument(help: "PEM certificate file.") var file: String

        func validate() throws { _ = try CertCommand.certificateType(type) }

        func run() async throws {
            let pem = try CertCommand.readPEM(file, flag: "FILE")
            guard pem.utf8.count <= 5500 else { throw CtlFailure.usage("FILE is \(pem.utf8.count) bytes; OCPP allows 5500 (one certificate, PEM)") }
            let request = InstallCertificateRequest(certificateType: try CertCommand.certificateType(type), certificate: pem)
            try await ChargerCall.run(globals, target.id, .installCertificate, request.json)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the root certificates installed on the charger, by hash data (exit 1 when none: NotFound). [GetInstalledCertificateIds]"
        )
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @OptionGroup var target: ChargerTarget
        @Option(help: "central or manufacturer.") var type = "central"

        func validate() throws { _ = try CertCommand.certificateType(type) }

        func run() async throws {
            let request = GetInstalledCertificateIdsRequest(certificateType: try CertCommand.certificateType(type))
            let result = try await ChargerCall.send(globals, target.id, OCPPAction.getInstalledCertificateIds.rawValue, request.json, verbatim: false)
            if globals.json || result.error != nil {
                Output.result(result, json: globals.json)
            } else {
                let entries = result.response["certificateHashData"]?.arrayValue ?? []
                Output.table(
                    ["SERIAL", "ISSUER-NAME-HASH", "ISSUER-KEY-HASH", "ALGORITHM"],
                    entries.map {
                        [
                            $0["serialNumber"]?.stringValue ?? "?", $0["issuerNameHash"]?.stringValue ?? "?", $0["issuerKeyHash"]?.stringValue ?? "?",
                            $0["hashAlgorithm"]?.stringValue ?? "?",
                        ]
                    }
                )
                if entries.isEmpty { Output.line(result.status) }
            }
            if result.exitCode != 0 { throw ExitCode(result.exitCode) }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete an installed certificate, named by its hash data or by the certificate file. [DeleteCertificate]",
            discussion:
                "Either --serial, --issuer-name-hash and --issuer-key-hash (as `cert list` prints them), or --file CERT.pem (hashes computed here; a root certificate is its own issuer)."
        )
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @OptionGroup var target: ChargerTarget
        @Option(help: "Serial number in hex.") var serial: String?
        @Option(help: "Hash of the issuer's DER name, hex.") var issuerNameHash: String?
        @Option(help: "Hash of the issuer's public key, hex.") var issuerKeyHash: String?
        @Option(help: "SHA256, SHA384 or SHA512.") var hashAlgorithm = "SHA256"
        @Option(help: "The certificate (PEM) to delete, instead of the three hashes.") var file: String?

        var algorithm: HashAlgorithmEnumType? {
            HashAlgorithmEnumType.allCases.first { $0.rawValue.caseInsensitiveCompare(hashAlgorithm) == .orderedSame }
        }

        func validate() throws {
            guard algorithm != nil else { throw ValidationError("--hash-algorithm expects SHA256, SHA384 or SHA512") }
            let hashes = [serial, issuerNameHash, issuerKeyHash]
            if file != nil {
                guard hashes.allSatisfy({ $0 == nil }) else { throw ValidationError("give --file or the hashes (--serial ...), not both") }
            } else {
                guard hashes.allSatisfy({ $0 != nil }) else {
                    throw ValidationError("give --serial, --issuer-name-hash and --issuer-key-hash (see `cert list`), or --file CERT.pem")
                }
                guard (serial ?? "").count <= 40, (issuerNameHash ?? "").count <= 128, (issuerKeyHash ?? "").count <= 128 else {
                    throw ValidationError("--serial is at most 40 hex digits, the hashes at most 128")
                }
            }
        }

        func run() async throws {
            let algorithm = algorithm ?? .sha256
            let hash: CertificateHashDataType
            if let file {
                let pem = try CertCommand.readPEM(file, flag: "--file")
                do {
                    hash = try CertificateHashDataType(pem: pem, algorithm: algorithm)
                } catch {
                    throw CtlFailure.usage("--file \(file) is not a PEM certificate: \(error)")
                }
            } else {
                hash = CertificateHashDataType(
                    hashAlgorithm: algorithm,
                    issuerNameHash: issuerNameHash ?? "",
                    issuerKeyHash: issuerKeyHash ?? "",
                    serialNumber: serial ?? ""
                )
            }
            try await ChargerCall.run(globals, target.id, .deleteCertificate, DeleteCertificateRequest(certificateHashData: hash).json)
        }
    }

    struct Sign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Have the charger renew its client certificate: it sends a CSR, which ocpp-serve signs with --csr-ca-cert. [ExtendedTriggerMessage SignChargePointCertificate]",
            discussion:
                "Same as `trigger ID SignChargePointCertificate --extended`. Follow with `events --charger ID`: certificateSigning shows the outcome."
        )
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @OptionGroup var target: ChargerTarget

        func run() async throws {
            try await ChargerCall.run(
                globals,
                target.id,
                .extendedTriggerMessage,
                ExtendedTriggerMessageRequest(requestedMessage: .signChargePointCertificate).json
            )
        }
    }
}
