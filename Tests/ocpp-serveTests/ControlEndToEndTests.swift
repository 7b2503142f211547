import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Shared
import TestSupport
import Testing

/// ocpp-ctl against the real ocpp-serve with scripted chargers on loopback: each command reaches the charger as
/// exactly the right action and payload, and the exit code follows the charger's answer (cli.md table).
@Suite struct ControlEndToEndTests {
    static func ctl(_ server: ServerProcess, _ arguments: [String], timeout: Double = 20) async throws -> ToolRun {
        try await ToolRun.run("ocpp-ctl", ["--socket", server.socketPath] + arguments, timeout: timeout)
    }

    struct Case: Sendable, CustomStringConvertible {
        var arguments: [String]
        var action: String
        var payload: JSONValue
        var reply: JSONValue
        var exit: Int32
        var description: String { arguments.joined(separator: " ") }
    }

    static let at = "2027-01-01T00:00:00Z"
    static let atSent = Timestamp(parsing: "2027-01-01T00:00:00Z").map(\.description) ?? ""

    /// One row per command of cli.md (profile set has its own test); `C` stands for the charger id.
    static let cases: [Case] = [
        Case(arguments: ["reset", "C", "--hard"], action: "Reset", payload: ["type": "Hard"], reply: ["status": "Accepted"], exit: 0),
        Case(arguments: ["reset", "C"], action: "Reset", payload: ["type": "Soft"], reply: ["status": "Rejected"], exit: 1),
        Case(arguments: ["unlock", "C", "1"], action: "UnlockConnector", payload: ["connectorId": 1], reply: ["status": "Unlocked"], exit: 0),
        Case(arguments: ["unlock", "C", "2"], action: "UnlockConnector", payload: ["connectorId": 2], reply: ["status": "UnlockFailed"], exit: 1),
        Case(
            arguments: ["availability", "C", "2", "inoperative"], action: "ChangeAvailability", payload: ["connectorId": 2, "type": "Inoperative"],
            reply: ["status": "Scheduled"], exit: 1
        ),
        Case(
            arguments: ["availability", "C", "operative"], action: "ChangeAvailability", payload: ["connectorId": 0, "type": "Operative"],
            reply: ["status": "Accepted"], exit: 0
        ),
        Case(
            arguments: ["config", "get", "C", "HeartbeatInterval"], action: "GetConfiguration", payload: ["key": ["HeartbeatInterval"]],
            reply: ["configurationKey": [["key": "HeartbeatInterval", "readonly": false, "value": "300"]]], exit: 0
        ),
        Case(arguments: ["config", "get", "C"], action: "GetConfiguration", payload: [:], reply: ["configurationKey": [], "unknownKey": []], exit: 0),
        Case(
            arguments: ["config", "set", "C", "MeterValueSampleInterval", "60"], action: "ChangeConfiguration",
            payload: ["key": "MeterValueSampleInterval", "value": "60"], reply: ["status": "Accepted"], exit: 0
        ),
        Case(
            arguments: ["config", "set", "C", "AuthorizeRemoteTxRequests", "false"], action: "ChangeConfiguration",
            payload: ["key": "AuthorizeRemoteTxRequests", "value": "false"], reply: ["status": "RebootRequired"], exit: 1
        ),
        Case(arguments: ["clear-cache", "C"], action: "ClearCache", payload: [:], reply: ["status": "Accepted"], exit: 0),
        Case(
            arguments: ["start", "C", "--tag", "TAG1", "--connector", "1"], action: "RemoteStartTransaction",
            payload: ["connectorId": 1, "idTag": "TAG1"], reply: ["status": "Accepted"], exit: 0
        ),
        Case(arguments: ["stop", "C", "42"], action: "RemoteStopTransaction", payload: ["transactionId": 42], reply: ["status": "Rejected"], exit: 1),
        Case(
            arguments: ["trigger", "C", "statusnotification", "--connector", "1"], action: "TriggerMessage",
            payload: ["requestedMessage": "StatusNotification", "connectorId": 1], reply: ["status": "Accepted"], exit: 0
        ),
        Case(
            arguments: ["trigger", "C", "Heartbeat"], action: "TriggerMessage", payload: ["requestedMessage": "Heartbeat"],
            reply: ["status": "NotImplemented"], exit: 1
        ),
        Case(
            arguments: ["data-transfer", "C", "--vendor", "com.example", "--message-id", "Ping", "--data", "x"], action: "DataTransfer",
            payload: ["vendorId": "com.example", "messageId": "Ping", "data": "x"], reply: ["status": "Accepted", "data": "pong"], exit: 0
        ),
        Case(
            arguments: ["data-transfer", "C", "--vendor", "other"], action: "DataTransfer", payload: ["vendorId": "other"],
            reply: ["status": "UnknownVendorId"], exit: 1
        ),
        Case(arguments: ["profile", "clear", "C", "--id", "7"], action: "ClearChargingProfile", payload: ["id": 7], reply: ["status": "Unknown"], exit: 1),
        Case(
            arguments: ["profile", "clear", "C", "--connector", "1", "--purpose", "default", "--stack", "2"], action: "ClearChargingProfile",
            payload: ["connectorId": 1, "chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 2], reply: ["status": "Accepted"], exit: 0
        ),
        Case(
            arguments: ["schedule", "C", "--connector", "1", "--duration", "3600", "--unit", "A"], action: "GetCompositeSchedule",
            payload: ["connectorId": 1, "duration": 3600, "chargingRateUnit": "A"],
            reply: [
                "status": "Accepted", "connectorId": 1, "scheduleStart": "2026-11-25T18:00:00Z",
                "chargingSchedule": ["duration": 3600, "chargingRateUnit": "A", "chargingSchedulePeriod": [["startPeriod": 0, "limit": 32]]],
            ],
            exit: 0
        ),
        Case(
            arguments: ["firmware", "C", "--location", "https://fw.example/v2.bin", "--retrieve-at", at], action: "UpdateFirmware",
            payload: ["location": "https://fw.example/v2.bin", "retrieveDate": .string(atSent)], reply: [:], exit: 0
        ),
        Case(
            arguments: ["diagnostics", "C", "--location", "ftp://logs.example/up/"], action: "GetDiagnostics",
            payload: ["location": "ftp://logs.example/up/"], reply: ["fileName": "diag-C.zip"], exit: 0
        ),
        Case(
            arguments: ["reserve", "C", "--connector", "1", "--tag", "TAG1", "--expires", at, "--reservation-id", "5"], action: "ReserveNow",
            payload: ["connectorId": 1, "expiryDate": .string(atSent), "idTag": "TAG1", "reservationId": 5], reply: ["status": "Occupied"], exit: 1
        ),
        Case(arguments: ["cancel-reservation", "C", "5"], action: "CancelReservation", payload: ["reservationId": 5], reply: ["status": "Accepted"], exit: 0),
        Case(arguments: ["local-list", "version", "C"], action: "GetLocalListVersion", payload: [:], reply: ["listVersion": 3], exit: 0),
        Case(
            arguments: ["local-list", "send", "C", "--version", "4", "--full", "AAA", "BBB:Blocked"], action: "SendLocalList",
            payload: [
                "listVersion": 4, "updateType": "Full",
                "localAuthorizationList": [["idTag": "AAA", "idTagInfo": ["status": "Accepted"]], ["idTag": "BBB", "idTagInfo": ["status": "Blocked"]]],
            ],
            reply: ["status": "Accepted"], exit: 0
        ),
        Case(
            arguments: ["local-list", "send", "C", "--version", "5", "--differential", "--remove", "AAA"], action: "SendLocalList",
            payload: ["listVersion": 5, "updateType": "Differential", "localAuthorizationList": [["idTag": "AAA"]]], reply: ["status": "VersionMismatch"],
            exit: 1
        ),
        Case(arguments: ["call", "C", "VendorThing", #"{"x":[1,2.50]}"#], action: "VendorThing", payload: ["x": [1, .number(JSONNumber(text: "2.50")!)]], reply: ["ok": true], exit: 0),
    ]

    @Test(.serialized, arguments: TestStore.allCases) func everyCommandReachesTheChargerAsItsOCPPMessage(store: TestStore) async throws {
        let server = try await ServerProcess(store: store)
        let replies = Locked<JSONValue>(.null)
        let charger = try await RespondingCharger.start(server.url, id: "CTL-1") { _, _ in .result(replies.withLock { $0 }) }
        for (index, test) in Self.cases.enumerated() {
            replies.withLock { $0 = test.reply }
            let arguments = test.arguments.map { $0 == "C" ? "CTL-1" : $0 }
            let run = try await Self.ctl(server, arguments + ["--json"])
            #expect(run.status == test.exit, "\(test): exit \(run.status), stderr \(run.stderr)")
            let calls = charger.calls
            #expect(calls.count == index + 1, "\(test): the charger got \(calls.count) CALLs")
            guard let last = calls.last else { continue }
            #expect(last.action == test.action, "\(test)")
            #expect(last.payload.canonical == test.payload.canonical, "\(test): payload \(last.payload.serialized())")
            // --json: exactly one document with the charger's answer.
            let document = try JSONParser.parse(run.stdout)
            #expect(document["charger"] == "CTL-1" && document["action"] == .string(test.action), "\(test): \(run.stdout)")
            #expect(document["response"]?.canonical == test.reply.canonical, "\(test): \(run.stdout)")
        }
        // The human form of a few.
        replies.withLock { $0 = ["status": "Accepted"] }
        let human = try await Self.ctl(server, ["reset", "CTL-1"])
        #expect(human.stdout == "CTL-1 Reset Accepted\n")
        replies.withLock { $0 = ["configurationKey": [["key": "HeartbeatInterval", "readonly": false, "value": "300"], ["key": "NumberOfConnectors", "readonly": true, "value": "2"]]] }
        let table = try await Self.ctl(server, ["config", "get", "CTL-1"])
        #expect(table.stdout == "KEY                 VALUE  READONLY\nHeartbeatInterval   300    no\nNumberOfConnectors  2      yes\n", "\(table.stdout)")
        // The configuration read is kept, and every command is in the command log and the charger view.
        let detail = try await Self.ctl(server, ["charger", "CTL-1", "--json"])
        let parsed = try JSONParser.parse(detail.stdout)
        let keys = parsed["configuration"]?.arrayValue?.compactMap { $0["key"]?.stringValue } ?? []
        #expect(keys == ["HeartbeatInterval", "NumberOfConnectors"], "\(detail.stdout)")
        #expect(parsed["recentCommands"]?.arrayValue?.first?["action"] == "GetConfiguration")
        let logged = try await server.openDatabase().read { db in
            try db.fetchAll(sql: "SELECT action, origin, outcome FROM commands ORDER BY id")
        }
        #expect(logged.count == Self.cases.count + 2)
        #expect(logged.allSatisfy { ($0["origin"] as String?)?.hasPrefix("socket:") == true && $0["outcome"] != nil as String? })
        await charger.stop()
        _ = await server.stop()
    }

    @Test(.serialized, arguments: TestStore.allCases) func profileSetSendsAbsoluteRecurringAndRelativeProfilesInAmperesOrWatts(store: TestStore) async throws {
        let server = try await ServerProcess(store: store)
        let charger = try await RespondingCharger.start(server.url, id: "CTL-P") { _, _ in .result(["status": "Accepted"]) }
        let dayMs = Timestamp.nowMilliseconds() / 86_400_000 * 86_400_000
        let today1800 = Timestamp(milliseconds: dayMs + 18 * 3_600_000).description
        let cases: [([String], JSONValue)] = [
            (
                ["--connector", "0", "--purpose", "max", "--stack", "1", "--limit", "32", "--unit", "A", "--recurring", "daily", "--start", "18:00", "--duration", "7200"],
                [
                    "connectorId": 0,
                    "csChargingProfiles": [
                        "chargingProfileId": 1001, "stackLevel": 1, "chargingProfilePurpose": "ChargePointMaxProfile", "chargingProfileKind": "Recurring",
                        "recurrencyKind": "Daily",
                        "chargingSchedule": ["duration": 7200, "startSchedule": .string(today1800), "chargingRateUnit": "A", "chargingSchedulePeriod": [["startPeriod": 0, "limit": 32]]],
                    ],
                ]
            ),
            (
                ["--connector", "1", "--purpose", "default", "--stack", "0", "--limit", "7400", "--unit", "W", "--valid-from", "2027-01-01T00:00:00Z", "--valid-to", "2027-02-01T00:00:00Z"],
                [
                    "connectorId": 1,
                    "csChargingProfiles": [
                        "chargingProfileId": 2010, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile", "chargingProfileKind": "Absolute",
                        "validFrom": .string(Self.atSent), "validTo": .string(Timestamp(parsing: "2027-02-01T00:00:00Z")?.description ?? ""),
                        "chargingSchedule": ["startSchedule": .string(Self.atSent), "chargingRateUnit": "W", "chargingSchedulePeriod": [["startPeriod": 0, "limit": 7400]]],
                    ],
                ]
            ),
            (
                ["--connector", "2", "--purpose", "tx", "--stack", "3", "--limit", "10.5", "--phases", "1", "--relative", "--duration", "3600", "--transaction", "77", "--id", "9"],
                [
                    "connectorId": 2,
                    "csChargingProfiles": [
                        "chargingProfileId": 9, "transactionId": 77, "stackLevel": 3, "chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Relative",
                        "chargingSchedule": ["duration": 3600, "chargingRateUnit": "A", "chargingSchedulePeriod": [["startPeriod": 0, "limit": .number(JSONNumber(text: "10.5")!), "numberPhases": 1]]],
                    ],
                ]
            ),
        ]
        for (index, (flags, expected)) in cases.enumerated() {
            let run = try await Self.ctl(server, ["profile", "set", "CTL-P"] + flags)
            #expect(run.status == 0, "\(flags): \(run.stderr)")
            let calls = charger.calls
            #expect(calls.count == index + 1 && calls.last?.action == "SetChargingProfile")
            #expect(calls.last?.payload.canonical == expected.canonical, "\(flags): \(calls.last?.payload.serialized() ?? "")")
        }
        for bad in [["--connector", "0", "--purpose", "max", "--stack", "1", "--limit", "0"], ["--connector", "0", "--purpose", "sideways", "--stack", "1", "--limit", "5"],
            ["--connector", "0", "--purpose", "max", "--stack", "1", "--limit", "5", "--recurring", "daily", "--start", "25:00", "--duration", "60"],
            ["--connector", "1", "--limit", "5"]] {
            let run = try await Self.ctl(server, ["profile", "set", "CTL-P"] + bad)
            #expect(run.status == 2 && run.stderrLines.count == 1, "\(bad): \(run.stderr)")
        }
        #expect(charger.calls.count == cases.count, "no bad profile reached the charger")
        await charger.stop()
        _ = await server.stop()
    }

    @Test(.serialized, arguments: TestStore.allCases) func callErrorsUnknownAndSilentChargersAndMissingSocketGiveTheirExitCodes(store: TestStore) async throws {
        let server = try await ServerProcess(store: store)
        let charger = try await RespondingCharger.start(server.url, id: "CTL-2") { action, _ in
            switch action {
            case "Reset": .error("NotImplemented")
            case "ClearCache": .silence
            default: .disconnect
            }
        }
        let callError = try await Self.ctl(server, ["reset", "CTL-2", "--json"])
        #expect(callError.status == 1)
        let document = try JSONParser.parse(callError.stdout)
        #expect(document["status"] == "CallError" && document["error"]?["code"] == "NotImplemented", "\(callError.stdout)")

        let unknown = try await Self.ctl(server, ["reset", "NO-SUCH-CHARGER"])
        #expect(unknown.status == 3 && unknown.stderrLines.count == 1, "\(unknown.stderr)")
        #expect(unknown.stderr.contains("unknown charger NO-SUCH-CHARGER"))

        let started = ContinuousClock.now
        let silent = try await Self.ctl(server, ["clear-cache", "CTL-2", "--timeout", "2"])
        #expect(silent.status == 4, "\(silent.stderr)")
        #expect(ContinuousClock.now - started < .seconds(6))

        // The charger drops the connection instead of answering: exit 3; afterwards it is known but not connected.
        let dropped = try await Self.ctl(server, ["unlock", "CTL-2", "1"])
        #expect(dropped.status == 3, "\(dropped.stderr)")
        try await Task.sleep(for: .milliseconds(200))
        let offline = try await Self.ctl(server, ["reset", "CTL-2"])
        #expect(offline.status == 3 && offline.stderr.contains("not connected"), "\(offline.stderr)")

        let noSocket = try await ToolRun.run("ocpp-ctl", ["--socket", server.directory.appendingPathComponent("absent.sock").path, "reset", "CTL-2"])
        #expect(noSocket.status == 5 && noSocket.stderrLines.count == 1, "\(noSocket.stderr)")
        let noServerEnv = try await ToolRun.run("ocpp-ctl", ["chargers"]) { dir in ["OCPP_SOCKET": dir.appendingPathComponent("x.sock").path] }
        #expect(noServerEnv.status == 5 && noServerEnv.stderr.contains("x.sock"), "OCPP_SOCKET is used: \(noServerEnv.stderr)")

        for bad in [["reset"], ["reset", "CTL-2", "--bogus"], ["unlock", "CTL-2", "zero"], ["availability", "CTL-2", "sideways"],
            ["trigger", "CTL-2", "Nonsense"], ["--timeout", "-1", "reset", "CTL-2"], ["local-list", "send", "CTL-2", "--version", "1"],
            ["reserve", "CTL-2", "--connector", "1", "--tag", "T", "--expires", "tomorrowish"], ["nosuchcommand"]] {
            let run = try await Self.ctl(server, bad)
            #expect(run.status == 2, "\(bad): \(run.status) \(run.stderr)")
            #expect(run.stderrLines.count == 1 && run.stdout.isEmpty, "\(bad): \(run.stderr)")
        }
        await charger.stop()
        _ = await server.stop()
    }

    @Test(.serialized, arguments: TestStore.allCases) func twoCommandsAtOnceReachTheChargerOneAfterTheOther(store: TestStore) async throws {
        let server = try await ServerProcess(store: store)
        let charger = try await RespondingCharger.start(server.url, id: "CTL-3") { _, _ in .delayed(0.4, ["status": "Accepted"]) }
        async let first = Self.ctl(server, ["reset", "CTL-3"])
        async let second = Self.ctl(server, ["clear-cache", "CTL-3"])
        async let third = Self.ctl(server, ["unlock", "CTL-3", "1"])
        let runs = try await [first, second, third]
        #expect(runs.map(\.status) == [0, 0, 0], "\(runs.map(\.stderr))")
        let calls = charger.calls.sorted { $0.arrivedAt < $1.arrivedAt }
        #expect(calls.count == 3)
        for (earlier, later) in zip(calls, calls.dropFirst()) {
            guard let answered = earlier.answeredAt else {
                Issue.record("\(earlier.action) was never answered")
                continue
            }
            #expect(later.arrivedAt >= answered, "\(later.action) arrived before \(earlier.action) was answered")
        }
        await charger.stop()
        _ = await server.stop()
    }

    @Test(.serialized, arguments: TestStore.allCases) func theHTTPAPIDrivesChargersLikeTheSocketAndRefusesRequestsWithoutAValidToken(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--http", "127.0.0.1:0"])
        let port = try #require(server.httpPort)
        let base = "http://127.0.0.1:\(port)"
        let charger = try await RespondingCharger.start(server.url, id: "CTL/4 x") { _, _ in .result(["status": "Accepted"]) }

        let created = try await Self.ctl(server, ["token", "create", "scheduler", "--json"])
        #expect(created.status == 0, "\(created.stderr)")
        let token = try #require(try JSONParser.parse(created.stdout)["token"]?.stringValue)

        let viaSocket = try await Self.ctl(server, ["reset", "CTL/4 x", "--hard"])
        let viaHTTP = try await ToolRun.run("ocpp-ctl", ["--url", base, "--token", token, "reset", "CTL/4 x", "--hard"])
        #expect(viaSocket.status == 0 && viaHTTP.status == 0, "\(viaSocket.stderr) \(viaHTTP.stderr)")
        #expect(viaSocket.stdout == viaHTTP.stdout)
        let calls = charger.calls
        #expect(calls.count == 2)
        #expect(calls.first?.action == calls.last?.action && calls.first?.payload == calls.last?.payload)

        // Without a token, with a wrong one, and after revocation: 401, and the charger hears nothing.
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        func post(_ authorization: String?) async throws -> (Int, String) {
            var request = HTTPClientRequest(url: base + ControlAPI.command("CTL/4 x", action: "Reset", timeout: 5))
            request.method = .POST
            request.body = .bytes(ByteBuffer(string: #"{"type":"Hard"}"#))
            if let authorization { request.headers.add(name: "Authorization", value: authorization) }
            let response = try await client.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), String(buffer: body))
        }
        let (noTokenStatus, noTokenBody) = try await post(nil)
        #expect(noTokenStatus == 401 && noTokenBody.contains("\"unauthorized\""), "\(noTokenBody)")
        #expect(try await post("Bearer ocpp_wrong").0 == 401)
        #expect(try await post("Bearer \(token)").0 == 200)
        #expect(charger.calls.count == 3)
        let revoke = try await Self.ctl(server, ["token", "revoke", "scheduler"])
        #expect(revoke.status == 0)
        #expect(try await post("Bearer \(token)").0 == 401)
        #expect(charger.calls.count == 3, "no request without a valid token reached the charger")

        // Token management is for the socket only; the OpenAPI document is served without a token.
        var tokens = HTTPClientRequest(url: base + "/v1/tokens")
        tokens.method = .GET
        tokens.headers.add(name: "Authorization", value: "Bearer \(token)")
        #expect(try await client.execute(tokens, timeout: .seconds(5)).status.code == 401)
        let openAPI = try await client.execute(HTTPClientRequest(url: base + "/v1/openapi.json"), timeout: .seconds(5))
        let document = try JSONParser.parse(String(buffer: try await openAPI.body.collect(upTo: 4 << 20)))
        #expect(document["openapi"] == "3.1.0")
        #expect(document["paths"]?["/v1/chargers/{id}/commands/{action}"] != nil)
        #expect(document["components"]?["schemas"]?["OCPPSetChargingProfile"] != nil)
        try await client.shutdown()

        let origins = try await server.openDatabase().read { db in try db.fetchValues(String.self, sql: "SELECT origin FROM commands ORDER BY id") }
        #expect(origins.first?.hasPrefix("socket:") == true && origins.dropFirst().first == "token:scheduler", "\(origins)")
        await charger.stop()
        _ = await server.stop()
    }

    /// What answers tell about a charger's configuration is kept right: asking for one key keeps the others, an
    /// accepted ChangeConfiguration is remembered with its value, and an AuthorizationKey never in clear.
    @Test(.serialized, arguments: TestStore.allCases) func theConfigurationKeptIsWhatTheChargerSaid(store: TestStore) async throws {
        let server = try await ServerProcess(store: store)
        let charger = try await RespondingCharger.start(server.url, id: "CTL-CONF") { action, payload in
            switch action {
            case "GetConfiguration":
                let asked = payload["key"]?.arrayValue?.compactMap(\.stringValue) ?? ["HeartbeatInterval", "MeterValueSampleInterval"]
                return .result(["configurationKey": .array(asked.map { ["key": .string($0), "readonly": false, "value": "300"] })])
            default:
                return .result(["status": "Accepted"])
            }
        }
        func configuration() async throws -> [String: String] {
            let detail = try JSONParser.parse(try await Self.ctl(server, ["charger", "CTL-CONF", "--json"]).stdout)
            return Dictionary(uniqueKeysWithValues: (detail["configuration"]?.arrayValue ?? []).compactMap { entry in
                entry["key"]?.stringValue.map { ($0, entry["value"]?.stringValue ?? "") }
            })
        }
        #expect(try await Self.ctl(server, ["config", "get", "CTL-CONF"]).status == 0)
        #expect(try await Self.ctl(server, ["config", "get", "CTL-CONF", "HeartbeatInterval"]).status == 0)
        #expect(try await Self.ctl(server, ["config", "set", "CTL-CONF", "MeterValueSampleInterval", "60"]).status == 0)
        #expect(try await Self.ctl(server, ["config", "set", "CTL-CONF", "AuthorizationKey", "0123456789abcdef0123"]).status == 0)
        try await SimulatorEndToEndTests.waitUntil { try await configuration()["AuthorizationKey"] != nil }
        #expect(try await configuration() == ["HeartbeatInterval": "300", "MeterValueSampleInterval": "60", "AuthorizationKey": "(redacted)"])
        await charger.stop()
        _ = await server.stop()
    }

    @Test(.serialized, arguments: TestStore.allCases) func queriesListChargersSessionsTagsAndStoredEvents(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        let charger = try await RespondingCharger.start(server.url, id: "CTL-5", statuses: ["Available", "Charging"]) { _, _ in .silence }
        let tags = try await Self.ctl(server, ["tags", "add", "RFID1", "--expires", "2030-01-01T00:00:00Z", "--parent", "FLEET"])
        #expect(tags.status == 0, "\(tags.stderr)")
        #expect(try await Self.ctl(server, ["tags", "add", "RFID2"]).status == 0)
        #expect(try await Self.ctl(server, ["tags", "block", "RFID2"]).status == 0)
        #expect(try await Self.ctl(server, ["tags", "remove", "NOPE"]).status == 1)
        let list = try JSONParser.parse(try await Self.ctl(server, ["tags", "list", "--json"]).stdout)
        #expect(list.arrayValue?.map { [$0["tag"], $0["status"], $0["parent"] ?? .null] } == [["RFID1", "Accepted", "FLEET"], ["RFID2", "Blocked", .null]])

        let chargers = try await Self.ctl(server, ["chargers"])
        #expect(chargers.stdout.contains("CTL-5") && chargers.stdout.contains("1:Available 2:Charging") && chargers.stdout.contains("Scripted"), "\(chargers.stdout)")
        let connectedOnly = try JSONParser.parse(try await Self.ctl(server, ["chargers", "--connected", "--json"]).stdout)
        #expect(connectedOnly.arrayValue?.map { $0["id"] } == ["CTL-5"])

        let events = try await Self.ctl(server, ["events", "--charger", "CTL-5", "--json"])
        let kinds = events.stdout.split(separator: "\n").compactMap { try? JSONParser.parse(String($0))["event"]?.stringValue }
        #expect(kinds.starts(with: ["connect", "boot"]) && kinds.contains("status"), "\(kinds)")
        let sessions = try await Self.ctl(server, ["sessions", "--active", "--json"])
        let active = try JSONParser.parse(sessions.stdout)
        #expect(sessions.status == 0 && active.arrayValue == [])
        await charger.stop()
        _ = await server.stop()
    }

    @Test(.serialized, arguments: TestStore.allCases) func eventsFollowShowsABootAndAStatusChangeAsTheyHappen(store: TestStore) async throws {
        let server = try await ServerProcess(store: store)
        // An event to replay first: its line shows the stream is established before the charger under test speaks.
        try await TestCharger.connect(server.url, id: "CTL-6-WARMUP") { _ in }
        let process = Process()
        process.executableURL = ServerProcess.binary("ocpp-ctl")
        process.arguments = ["--socket", server.socketPath, "events", "--follow", "--json", "--limit", "1"]
        let pipe = Pipe()
        process.standardOutput = pipe
        let lines = Locked<[(ContinuousClock.Instant, String)]>([])
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            let now = ContinuousClock.now
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") { lines.withLock { $0.append((now, String(line))) } }
        }
        try process.run()
        for _ in 0..<500 where lines.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(20)) }
        #expect(lines.withLock { $0.first?.1.contains("CTL-6-WARMUP") } == true)
        let sent = Locked<[String: ContinuousClock.Instant]>([:])
        try await TestCharger.connect(server.url, id: "CTL-6") { socket in
            sent.withLock { $0["boot"] = .now }
            try await socket.call("BootNotification", ["chargePointVendor": "V", "chargePointModel": "M"])
            try await Task.sleep(for: .milliseconds(100))
            sent.withLock { $0["status"] = .now }
            try await socket.call("StatusNotification", ["connectorId": 1, "errorCode": "NoError", "status": "Preparing"])
        }
        for _ in 0..<250 where lines.withLock({ $0.count }) < 4 { try await Task.sleep(for: .milliseconds(20)) }
        process.terminate()
        let seen = lines.withLock { $0 }
        for kind in ["boot", "status"] {
            let line = seen.first { (try? JSONParser.parse($0.1)["event"]) == .string(kind) }
            guard let line, let sentAt = sent.withLock({ $0[kind] }) else {
                Issue.record("no \(kind) event in \(seen.map(\.1))")
                continue
            }
            print("events --follow: \(kind) shown \(line.0 - sentAt) after the charger sent it")
        }
        let status = seen.compactMap { try? JSONParser.parse($0.1) }.first { $0["event"] == "status" }
        #expect(status?["charger"] == "CTL-6" && status?["status"] == "Preparing", "\(seen.map(\.1))")
        _ = await server.stop()
    }
}
