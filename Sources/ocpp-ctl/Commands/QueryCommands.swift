import ArgumentParser
import Foundation
import NIOHTTP1
import Shared

/// `chargers [--connected]`: one row per known charger.
struct ChargersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chargers",
        abstract: "List known chargers: id, connected, registration, vendor, model, firmware, last seen, connector statuses.",
        discussion: "With several server nodes, CONNECTED names the node each charger is connected to: yes (NODE)."
    )

    @OptionGroup(visibility: .hidden) var globals: GlobalOptions
    @Flag(help: "Only chargers connected now.") var connected = false

    func run() async throws {
        let chargers = try await globals.client.get([ChargerSummary].self, ControlAPI.chargers(connectedOnly: connected))
        if globals.json { return Output.json(chargers) }
        // Several server nodes: the node each charger is connected to, in the CONNECTED column.
        let clustered = chargers.contains { $0.node != nil }
        Output.table(
            ["ID", "CONNECTED", "REGISTRATION", "VENDOR", "MODEL", "FIRMWARE", "LAST SEEN", "CONNECTORS"],
            chargers.map { c in
                [
                    c.id, c.connected ? (clustered ? "yes (\(c.node ?? "?"))" : "yes") : "no", c.registration, Output.dash(c.vendor), Output.dash(c.model), Output.dash(c.firmware),
                    Output.dash(c.lastSeen), c.connectors.isEmpty ? "-" : c.connectors.map { "\($0.connector):\($0.status)" + ($0.errorCode == "NoError" ? "" : "(\($0.errorCode))") }.joined(separator: " "),
                ]
            }
        )
    }
}

/// `charger ID`: everything known about one charger; `charger password ...`: its Security Profile 1 key.
struct ChargerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "charger",
        abstract: "Everything known about one charger (charger ID), its password (charger password set|clear|rotate ID) or security profile (charger security ID).",
        subcommands: [Show.self, ChargerPasswordCommand.self, ChargerSecurityCommand.self],
        defaultSubcommand: Show.self
    )
}

extension ChargerCommand {
    /// `charger ID` (also `charger show ID`).
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Everything known about one charger: boot information, connectors, open transactions, configuration last read, recent commands."
        )

        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @Argument(help: "Charge point id.") var id: String

        func run() async throws {
            let detail = try await globals.client.get(ChargerDetail.self, ControlAPI.charger(id))
            if globals.json { return Output.json(detail) }
            let s = detail.summary
            let fields: [(String, String?)] = [
                ("id", s.id), ("connected", s.connected ? "yes" : "no"), ("node", s.node), ("registration", s.registration), ("vendor", s.vendor), ("model", s.model),
                ("firmware", s.firmware), ("serial", detail.serialNumber), ("charge box serial", detail.chargeBoxSerialNumber),
                ("meter", [detail.meterType, detail.meterSerialNumber].compactMap { $0 }.joined(separator: " ")), ("iccid", detail.iccid),
                ("imsi", detail.imsi), ("heartbeat interval", detail.heartbeatInterval.map { "\($0) s" }), ("first seen", detail.firstSeen),
                ("last boot", detail.lastBoot), ("last seen", s.lastSeen), ("firmware status", detail.firmwareStatus),
                ("diagnostics status", detail.diagnosticsStatus), ("log status", detail.logStatus),
                ("security profile", detail.securityProfile.map { "\($0)" } ?? "none registered (server minimum)"),
            ]
            Output.table(["FIELD", "VALUE"], fields.filter { $0.0 != "node" || $0.1 != nil }.map { [$0.0, Output.dash($0.1)] })
            if !s.connectors.isEmpty {
                Output.line("")
                Output.table(
                    ["CONNECTOR", "STATUS", "ERROR", "INFO", "SINCE"],
                    s.connectors.map { ["\($0.connector)", $0.status, $0.errorCode + ($0.vendorErrorCode.map { " (\($0))" } ?? ""), Output.dash($0.info), $0.since] }
                )
            }
            if !detail.activeTransactions.isEmpty {
                Output.line("")
                SessionsCommand.printTable(detail.activeTransactions)
            }
            if !detail.configuration.isEmpty {
                Output.line("")
                Output.table(["KEY", "VALUE", "READONLY", "READ AT"], detail.configuration.map { [$0.key, Output.dash($0.value), $0.readonly ? "yes" : "no", $0.readAt] })
            }
            if !detail.recentCommands.isEmpty {
                Output.line("")
                Output.table(
                    ["COMMAND", "ACTION", "ORIGIN", "SENT", "OUTCOME"],
                    detail.recentCommands.map { ["\($0.id)", $0.action, $0.origin, $0.sentAt, Output.dash($0.outcome)] }
                )
            }
        }
    }
}

/// `sessions [--active] [--charger ID] [--since T] [--until T]`.
struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "List transactions: id, charger, connector, id tag, start, stop, energy kWh, stop reason.",
        discussion: "--since/--until filter on the start time."
    )

    @OptionGroup(visibility: .hidden) var globals: GlobalOptions
    @Flag(help: "Only transactions not stopped yet.") var active = false
    @Option(help: "Only this charger.") var charger: String?
    @Option(help: "Started at or after this time (RFC 3339, now, -2h, ...).") var since: String?
    @Option(help: "Started before this time.") var until: String?

    func run() async throws {
        let sinceText = try since.map { try TimeArgument.parse($0, flag: "--since").description }
        let untilText = try until.map { try TimeArgument.parse($0, flag: "--until").description }
        let path = "/v1/sessions" + ControlAPI.query([("active", active ? "true" : nil), ("charger", charger), ("since", sinceText), ("until", untilText)])
        let sessions = try await globals.client.get([SessionRecord].self, path)
        if globals.json { return Output.json(sessions) }
        Self.printTable(sessions)
    }

    static func printTable(_ sessions: [SessionRecord]) {
        Output.table(
            ["ID", "CHARGER", "CONNECTOR", "ID TAG", "START", "STOP", "ENERGY KWH", "STOP REASON"],
            sessions.map { s in
                [
                    "\(s.id)", s.charger, s.connector.map { "\($0)" } ?? "-", Output.dash(s.idTag), Output.dash(s.start),
                    s.stop ?? (s.stale ? "stale" : "active"), s.energyKWh.map { String(format: "%.3f", $0) } ?? "-", Output.dash(s.stopReason),
                ]
            }
        )
    }
}

/// `events [--follow] [--charger ID]`.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Show the event stream: connect, disconnect, boot, status, fault, transaction start/stop, offline, command sent/answered, ...",
        discussion: """
            Without --follow: the latest --limit stored events, oldest first. With --follow: the latest --limit events \
            since the server started, then every new event as it happens until interrupted (like tail -f). \
            With --json: one JSON object per line.
            """
    )

    @OptionGroup(visibility: .hidden) var globals: GlobalOptions
    @Flag(name: [.customShort("f"), .long], help: "Keep streaming new events.") var follow = false
    @Option(help: "Only events of this charger.") var charger: String?
    @Option(help: "Only events at or after this time (without --follow).") var since: String?
    @Option(help: "How many past events to show first. (default: 20)") var limit = 20

    func validate() throws {
        guard limit >= 0 else { throw ValidationError("--limit must be 0 or more") }
        if follow, since != nil { throw ValidationError("--since works without --follow only; use --limit with --follow") }
    }

    func run() async throws {
        let sinceText = try since.map { try TimeArgument.parse($0, flag: "--since").description }
        let path = "/v1/events" + ControlAPI.query([
            ("charger", charger), ("since", sinceText), ("limit", String(limit)), ("follow", follow ? "true" : nil),
        ])
        let json = globals.json
        try await globals.client.stream(path) { line in
            guard !line.isEmpty else { return }
            Output.line(json ? line : Self.human(line))
        }
    }

    /// `2026-10-06T14:35:55.123Z CP01 status connector=1 status=Charging`
    static func human(_ line: String) -> String {
        guard let event = try? JSONParser.parse(line), let object = event.objectValue else { return line }
        var parts = [object["at"]?.stringValue ?? "-", object["charger"]?.stringValue ?? "-", object["event"]?.stringValue ?? "?"]
        for member in object.members where !["at", "charger", "event"].contains(member.key) {
            parts.append("\(member.key)=\(member.value.stringValue ?? member.value.serialized())")
        }
        return parts.joined(separator: " ")
    }
}
