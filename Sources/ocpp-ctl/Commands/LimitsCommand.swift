import ArgumentParser
import Shared

/// `limits [CHARGER]`: what the server keeps on each limited charger and whether the charger obeys it.
struct LimitsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "limits",
        abstract: "Show, per limited charger, the profiles the server keeps on it and whether it draws within them.",
        discussion: """
            Columns: CHARGER, CONNECTED, GROUP, UNIT (the unit its profiles are written in, and where that was learned: \
            configuration, answer or fallback), PROFILES (charger = ChargePointMaxProfile, connector#N = TxDefaultProfile, \
            share#N = the session's share of its group; each with its limit now and the charger's answer), COMPLIANCE \
            (ok; over = above its limit, still within the grace period; ignored = above it for longer; unknown = no \
            meter values yet), DRAWN and LIMIT (the reading furthest over its limit). \(LimitHelp.units)
            """
    )
    @OptionGroup(visibility: .hidden) var globals: GlobalOptions
    @Argument(help: "Only this charger. (default: every charger with limits, a group or profiles sent)") var charger: String?

    func run() async throws {
        let records = try await globals.client.get([LimitStatusRecord].self, "/v1/limits/status" + ControlAPI.query([("charger", charger)]))
        if globals.json { return Output.json(records) }
        Output.table(
            ["CHARGER", "CONNECTED", "GROUP", "UNIT", "PROFILES", "COMPLIANCE", "DRAWN", "LIMIT"],
            records.map { record in
                [
                    record.charger, record.connected ? "yes" : "no", Output.dash(record.group), "\(record.unit) (\(record.unitSource))",
                    Self.profiles(record), record.compliance, record.drawn.map { "\($0) \(record.unit)" } ?? "-",
                    record.limit.map { "\($0) \(record.unit)" } ?? "-",
                ]
            }
        )
    }

    /// `charger 32 A Accepted; share#1 16.5 A Accepted`.
    static func profiles(_ record: LimitStatusRecord) -> String {
        let parts = record.profiles.map { profile in
            let name = profile.role == "charger" ? profile.role : "\(profile.role)#\(profile.connector)"
            let value = profile.limitNow.map { "\($0) \(record.unit)" } ?? "unlimited"
            return "\(name) \(value) \(profile.status)"
        }
        return parts.isEmpty ? "-" : parts.joined(separator: "; ")
    }
}
