import ArgumentParser
import Shared

/// `security-events [--charger ID] [--since T] [--limit N]`: SecurityEventNotifications chargers sent.
struct SecurityEventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "security-events",
        abstract: "List the security events chargers reported (SecurityEventNotification), oldest first.",
        discussion: "Alerts: the config file's alerts.security-events lists the types that raise a security-event alert."
    )
    @OptionGroup(visibility: .hidden) var globals: GlobalOptions
    @Option(help: "Only this charger's events.") var charger: String?
    @Option(help: "Only events received at or after this time (RFC 3339, -1d, ...).") var since: String?
    @Option(help: "How many of the newest events to show.") var limit = 100

    func validate() throws { guard limit >= 0 else { throw ValidationError("--limit must be 0 or more") } }

    func run() async throws {
        let sinceText = try since.map { try TimeArgument.parse($0, flag: "--since").description }
        let records = try await globals.client.get(
            [SecurityEventRecord].self,
            ControlAPI.securityEvents(charger: charger, since: sinceText, limit: limit)
        )
        if globals.json {
            Output.json(records)
        } else {
            Output.table(
                ["RECEIVED", "CHARGER", "TYPE", "AT (CHARGER)", "TECH-INFO"],
                records.map { [$0.received, $0.charger, $0.type, $0.at, Output.dash($0.techInfo)] }
            )
        }
    }
}
