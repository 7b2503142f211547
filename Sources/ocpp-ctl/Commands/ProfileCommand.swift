import ArgumentParser
import Shared

/// `profile set ...` [SetChargingProfile]; `profile clear ...` [ClearChargingProfile].
struct ProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile", abstract: "Install or clear charging profiles (power limits).", subcommands: [Clear.self]
    )

    static let purposes = ["max": "ChargePointMaxProfile", "default": "TxDefaultProfile", "tx": "TxProfile"]

    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Clear charging profiles: by id, or all matching the given criteria (none = all). [ClearChargingProfile]",
            discussion: "A charger answers Unknown (exit 1) when no profile matched."
        )
        @OptionGroup var globals: GlobalOptions
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
