import ArgumentParser
import Foundation
import Shared

/// `profile set ...` [SetChargingProfile]; `profile clear ...` [ClearChargingProfile].
struct ProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile", abstract: "Install or clear charging profiles (power limits).", subcommands: [Set.self, Clear.self]
    )

    static let purposes = ["max": "ChargePointMaxProfile", "default": "TxDefaultProfile", "tx": "TxProfile"]

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install a charging profile: a power or current limit, now, for a window every day or week, or per session. [SetChargingProfile]",
            discussion: """
                Kinds: absolute (default; from --valid-from or now, until --valid-to), recurring (--recurring daily|weekly \
                --start HH:MM --duration SECONDS: the limit holds in that window each day or week, times in UTC), relative \
                (--relative: from the start of each transaction, for --duration seconds). Purposes: max = \
                ChargePointMaxProfile (connector 0, the whole charger), default = TxDefaultProfile (every session), \
                tx = TxProfile (the running session; --transaction). A profile with the same purpose and stack level on \
                the connector replaces the old one. Without --id the id is 1000 x purpose (1 max, 2 default, 3 tx) + \
                10 x connector + stack, so setting the same slot again replaces it. --json-file sends a profile written \
                by hand (a ChargingProfile, or a whole SetChargingProfile payload) instead of the flags' one.
                Example, a generator from 18:00 to 20:00 daily: profile set CP01 --connector 0 --purpose max --stack 1 \
                --limit 32 --unit A --recurring daily --start 18:00 --duration 7200
                """
        )
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @OptionGroup var target: ChargerTarget
        @Option(help: "Connector (0 = the whole charger).") var connector: Int
        @Option(help: "Purpose: max, default or tx.") var purpose: String?
        @Option(help: "Stack level (higher wins among profiles of one purpose).") var stack: Int?
        @Option(help: "The limit, in --unit (at most one decimal).") var limit: String?
        @Option(help: "A (amperes per phase) or W (watts). (default: A)") var unit = "A"
        @Option(help: "Phases the limit assumes (1-3).") var phases: Int?
        @Option(help: "daily or weekly.") var recurring: String?
        @Flag(help: "Relative to each transaction's start.") var relative = false
        @Option(help: "Start of the daily/weekly window, HH:MM UTC.") var start: String?
        @Option(help: "Seconds the limit lasts (the window for --recurring).") var duration: Int?
        @Option(help: "Profile valid from (RFC 3339, now, +1h, ...).") var validFrom: String?
        @Option(help: "Profile valid until.") var validTo: String?
        @Option(help: "Transaction id (purpose tx).") var transaction: Int?
        @Option(help: "Profile id. (default: from purpose, connector and stack, see above)") var id: Int?
        @Option(help: "A ChargingProfile (or SetChargingProfile payload) in a JSON file, sent instead of the flags' profile.") var jsonFile: String?

        func validate() throws {
            guard connector >= 0 else { throw ValidationError("--connector must be 0 or more") }
            if jsonFile != nil { return }
            guard purpose != nil, stack != nil, limit != nil else {
                throw ValidationError("give --purpose max|default|tx, --stack N and --limit VALUE (or --json-file F)")
            }
            if relative, recurring != nil { throw ValidationError("--relative and --recurring exclude each other") }
            if recurring != nil, validFrom != nil || validTo != nil, start == nil {
                throw ValidationError("--recurring needs --start HH:MM and --duration SECONDS")
            }
        }

        func payload() throws -> JSONValue {
            if let jsonFile {
                guard let data = FileManager.default.contents(atPath: jsonFile) else { throw CtlFailure.usage("cannot read --json-file \(jsonFile)") }
                let document: JSONValue
                do { document = try JSONParser.parse(Array(data)) } catch { throw CtlFailure.usage("--json-file \(jsonFile) is not JSON: \(error)") }
                if document["csChargingProfiles"] != nil { return document }
                return ["connectorId": .number(JSONNumber(connector)), "csChargingProfiles": document]
            }
            do {
                let purposeType = try ChargingProfileBuilder.purpose(named: purpose ?? "")
                let stackLevel = stack ?? 0
                guard let limitText = limit, let limitValue = Decimal(string: limitText, locale: Locale(identifier: "en_US_POSIX")) else {
                    throw CtlFailure.usage("--limit must be a number, e.g. 32 or 7.5")
                }
                let purposeIndex = [ChargingProfilePurposeType.chargePointMaxProfile: 1, .txDefaultProfile: 2, .txProfile: 3][purposeType] ?? 4
                var builder = ChargingProfileBuilder(
                    id: id ?? purposeIndex * 1000 + connector * 10 + stackLevel, stackLevel: stackLevel, purpose: purposeType, limit: limitValue,
                    unit: try ChargingProfileBuilder.unit(named: unit), numberPhases: phases, recurrence: try recurring.map(ChargingProfileBuilder.recurrence(named:)),
                    startTime: start, duration: duration, transactionId: transaction
                )
                builder.validFrom = try validFrom.map { try TimeArgument.parse($0, flag: "--valid-from") }
                builder.validTo = try validTo.map { try TimeArgument.parse($0, flag: "--valid-to") }
                var profile = try builder.build()
                if relative {
                    profile.chargingProfileKind = .relative
                    profile.chargingSchedule.startSchedule = nil
                }
                return ["connectorId": .number(JSONNumber(connector)), "csChargingProfiles": profile.json]
            } catch let error as ChargingProfileBuilder.InputError {
                throw CtlFailure.usage(error.description)
            }
        }

        func run() async throws {
            try await ChargerCall.run(globals, target.id, .setChargingProfile, try payload())
        }
    }

    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Clear charging profiles: by id, or all matching the given criteria (none = all). [ClearChargingProfile]",
            discussion: "A charger answers Unknown (exit 1) when no profile matched."
        )
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @OptionGroup var target: ChargerTarget
        @Option(help: "Profile id.") var id: Int?
        @Option(help: "Connector (0 = charger-wide profiles).") var connector: Int?
        @Option(help: "Purpose: max, default or tx.") var purpose: String?
        @Option(help: "Stack level.") var stack: Int?

        func validate() throws {
            if let purpose, ProfileCommand.purposes[purpose] == nil { throw ValidationError("--purpose must be max, default or tx") }
            if let stack, stack < 0 { throw ValidationError("--stack must be 0 or more") }
        }

        func run() async throws {
            var payload: JSONObject = [:]
            if let id { payload["id"] = .number(JSONNumber(id)) }
            if let connector { payload["connectorId"] = .number(JSONNumber(connector)) }
            if let purpose = purpose.flatMap({ ProfileCommand.purposes[$0] }) { payload["chargingProfilePurpose"] = .string(purpose) }
            if let stack { payload["stackLevel"] = .number(JSONNumber(stack)) }
            try await ChargerCall.run(globals, target.id, .clearChargingProfile, .object(payload))
        }
    }
}
