import TestSupport
import Foundation
import Shared
import Testing

/// ocpp-ctl's limit-model commands against the real ocpp-serve: agents and groups round-trip, and `limit set`
/// refuses bad input with the cli.md exit codes (2 usage, 3 unknown charger) without storing anything.
@Suite struct LimitCommandTests {
    static func ctl(_ server: ServerProcess, _ arguments: [String]) async throws -> ToolRun {
        try await ControlEndToEndTests.ctl(server, arguments)
    }

    @Test(.serialized, arguments: TestStore.allCases) func agentsAndGroupsRoundTrip(store: TestStore) async throws {
        let server = try await ServerProcess(store: store)
        let charger = try await RespondingCharger.start(server.url, id: "LIM-1") { _, _ in .result(["status": "Accepted"]) }

        let site = try await Self.ctl(server, ["agent", "add", "site", "--priority", "50", "--scope", "LIM-1,group:restaurant", "--json"])
        #expect(site.status == 0, "\(site.stderr)")
        let siteJSON = try JSONParser.parse(site.stdout)
        #expect(siteJSON["name"] == "site" && siteJSON["priority"] == 50, "\(site.stdout)")
        #expect(siteJSON["scope"]?["all"] == false && siteJSON["scope"]?["chargers"] == ["LIM-1"] && siteJSON["scope"]?["groups"] == ["restaurant"])
        #expect(try await Self.ctl(server, ["agent", "add", "emergency", "--priority", "100"]).stdout == "agent emergency priority 100 scope all\n")
        let duplicate = try await Self.ctl(server, ["agent", "add", "site", "--priority", "1"])
        #expect(duplicate.status == 2 && duplicate.stderrLines.count == 1, "\(duplicate.stderr)")

        let agents = try JSONParser.parse(try await Self.ctl(server, ["agent", "list", "--json"]).stdout).arrayValue ?? []
        #expect(agents.map { $0["name"] } == ["emergency", "site"])
        #expect(agents.map { $0["priority"] } == [100, 50])
        #expect(agents.first?["scope"]?["all"] == true)
        let table = try await Self.ctl(server, ["agent", "list"])
        #expect(
            table.stdout == "NAME       PRIORITY  SCOPE\nemergency  100       all\nsite       50        LIM-1,group:restaurant\n",
            "\(table.stdout)"
        )

        let restaurant = try await Self.ctl(server, ["group", "add", "restaurant", "--capacity", "63", "--unit", "A", "--json"])
        #expect(restaurant.status == 0, "\(restaurant.stderr)")
        let restaurantJSON = try JSONParser.parse(restaurant.stdout)
        #expect(restaurantJSON["capacity"] == 63 && restaurantJSON["unit"] == "A" && restaurantJSON["phases"] == 3, "\(restaurant.stdout)")
        let feeder = try await Self.ctl(server, ["group", "add", "feeder", "--capacity", "22", "--unit", "kW", "--phases", "1"])
        #expect(feeder.stdout == "group feeder capacity 22000 W phases 1\n", "\(feeder.stdout) \(feeder.stderr)")
        for bad in [
            ["--capacity", "10", "--unit", "V"], ["--capacity", "ten", "--unit", "A"], ["--capacity", "10", "--unit", "A", "--phases", "2"],
        ] {
            let run = try await Self.ctl(server, ["group", "add", "bad"] + bad)
            #expect(run.status == 2 && run.stderrLines.count == 1, "\(bad): exit \(run.status) \(run.stderr)")
        }

        #expect(try await Self.ctl(server, ["group", "assign", "restaurant", "LIM-1"]).status == 0)
        let unknown = try await Self.ctl(server, ["group", "assign", "restaurant", "NOPE"])
        #expect(unknown.status == 3, "\(unknown.stderr)")
        #expect(try await Self.ctl(server, ["group", "assign", "nowhere", "LIM-1"]).status == 2)
        let groups = try JSONParser.parse(try await Self.ctl(server, ["group", "list", "--json"]).stdout).arrayValue ?? []
        #expect(groups.map { $0["name"] } == ["feeder", "restaurant"])
        #expect(groups.last?["members"] == ["LIM-1"], "\(groups)")
        let groupTable = try await Self.ctl(server, ["group", "list"])
        #expect(groupTable.stdout.contains("restaurant  63        A     3       LIM-1"), "\(groupTable.stdout)")
        #expect(try await Self.ctl(server, ["group", "unassign", "restaurant", "LIM-1"]).status == 0)
        #expect(try await Self.ctl(server, ["group", "unassign", "restaurant", "LIM-1"]).status == 1)
        #expect(try await Self.ctl(server, ["group", "remove", "feeder"]).status == 0)
        #expect(try await Self.ctl(server, ["agent", "remove", "emergency"]).status == 0)
        #expect(try await Self.ctl(server, ["agent", "remove", "emergency"]).status == 1)

        // A token may belong to an agent; token list shows it.
        #expect(try await Self.ctl(server, ["token", "create", "scheduler", "--agent", "site"]).status == 0)
        #expect(try await Self.ctl(server, ["token", "create", "ghost", "--agent", "nobody"]).status == 2)
        let tokens = try JSONParser.parse(try await Self.ctl(server, ["token", "list", "--json"]).stdout).arrayValue ?? []
        #expect(tokens.map { $0["agent"] } == ["site"], "\(tokens)")

        await charger.stop()
        #expect(await server.stop() == 0)
    }

    @Test(.serialized, arguments: TestStore.allCases) func limitSetRefusesBadInputAndStoresNothing(store: TestStore) async throws {
        let server = try await ServerProcess(store: store)
        let charger = try await RespondingCharger.start(server.url, id: "LIM-2") { _, _ in .result(["status": "Accepted"]) }
        #expect(try await Self.ctl(server, ["agent", "add", "site", "--priority", "50"]).status == 0)
        #expect(try await Self.ctl(server, ["group", "add", "restaurant", "--capacity", "63", "--unit", "A"]).status == 0)

        let group = ["limit", "set", "group:restaurant", "--agent", "site", "--unit", "A", "--max"]
        let refused: [([String], Int32)] = [
            (["limit", "set", "group:restaurant", "--agent", "nobody", "--max", "32", "--unit", "A"], 2),
            (["limit", "set", "group:nowhere", "--agent", "site", "--max", "32", "--unit", "A"], 2),
            (group + ["32", "--daily", "20:00-18:00"], 2),
            (group + ["32", "--weekly", "mon-fri@20:00-18:00"], 2),
            (group + ["32", "--daily", "18:00-20:00", "--tz", "Mars/Olympus"], 2),
            (group + ["32", "--for", "2x"], 2),
            (group + ["32", "--for", "2h", "--until", "+3h"], 2),
            (group + ["32", "--until", "yesterday"], 2),
            (group + ["32abc"], 2),
            (group + ["32.25"], 2),
            (["limit", "set", "LIM-2", "--agent", "site", "--max", "3", "--unit", "A"], 2),
            (["limit", "set", "LIM-2", "--agent", "site", "--max", "32", "--unit", "V"], 2),
            (["limit", "set", "NOPE", "--agent", "site", "--max", "32", "--unit", "A"], 3),
        ]
        for (arguments, status) in refused {
            let run = try await Self.ctl(server, arguments)
            #expect(run.status == status, "\(arguments.joined(separator: " ")): exit \(run.status), stderr \(run.stderr)")
            #expect(run.stderrLines.count == 1 && run.stdout.isEmpty, "\(arguments.joined(separator: " ")): \(run.stderr)")
        }
        #expect(try await Self.ctl(server, ["limit", "list", "--json"]).stdout == "[]\n")

        let set = try await Self.ctl(
            server,
            ["limit", "set", "LIM-2", "--agent", "site", "--hard", "--max", "32", "--unit", "A", "--daily", "18:00-20:00", "--tz", "Europe/Berlin"]
        )
        #expect(set.status == 0, "\(set.stderr)")
        #expect(set.stdout == "limit 1: LIM-2 32 A hard daily 18:00-20:00 Europe/Berlin (agent site)\n", "\(set.stdout)")
        let listed = try JSONParser.parse(try await Self.ctl(server, ["limit", "list", "LIM-2", "--json"]).stdout).arrayValue ?? []
        #expect(listed.count == 1 && listed.first?["kind"] == "hard" && listed.first?["max"] == 32, "\(listed)")
        #expect(try await Self.ctl(server, ["limit", "list", "group:restaurant", "--json"]).stdout == "[]\n")

        // 17:30 UTC in January is 18:30 in Berlin: inside the window.
        let inside = try await Self.ctl(server, ["explain", "LIM-2", "--at", "2030-01-07T17:30:00Z"])
        #expect(inside.status == 0, "\(inside.stderr)")
        #expect(inside.stdout.hasPrefix("LIM-2 (whole charger) at 2030-01-07T17:30:00"), "\(inside.stdout)")
        #expect(inside.stdout.contains(": 32 A\ndecided by: limit 1 (site, hard,") && inside.stdout.contains("  decides"), "\(inside.stdout)")
        let outside = try await Self.ctl(server, ["explain", "LIM-2", "--at", "2030-01-07T12:00:00Z"])
        #expect(outside.stdout.contains("no limit in force") && outside.stdout.contains("  inactive"), "\(outside.stdout)")
        let explained = try JSONParser.parse(try await Self.ctl(server, ["explain", "LIM-2", "--at", "2030-01-07T17:30:00Z", "--json"]).stdout)
        #expect(explained["limit"] == 32 && explained["decidedBy"] == 1, "\(explained)")
        #expect(try await Self.ctl(server, ["explain", "NOPE"]).status == 3)
        #expect(try await Self.ctl(server, ["limits", "--json"]).status == 0)

        #expect(try await Self.ctl(server, ["limit", "remove", "1"]).stdout == "limit 1 removed\n")
        #expect(try await Self.ctl(server, ["limit", "remove", "1"]).status == 1)
        #expect(try await Self.ctl(server, ["limit", "list", "--json"]).stdout == "[]\n")

        await charger.stop()
        #expect(await server.stop() == 0)
    }
}
