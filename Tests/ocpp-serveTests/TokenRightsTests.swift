import TestSupport
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Shared
import Testing

/// Issue 17: who reaches what on the control plane. A read-only token changes nothing (403 before any route), a
/// token made for some chargers reaches only those (403 for others, lists filtered), and the control socket is never
/// open to other users, whatever umask the server was started with.
@Suite struct TokenRightsTests {
    /// One HTTP request with a bearer token: status and body.
    struct API {
        let base: String
        let client: HTTPClient

        func call(_ method: HTTPMethod, _ path: String, token: String, body: String? = nil) async throws -> (status: Int, body: String) {
            var request = HTTPClientRequest(url: base + path)
            request.method = method
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            if let body { request.body = .bytes(ByteBuffer(string: body)) }
            let response = try await client.execute(request, timeout: .seconds(10))
            return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
        }
    }

    static func token(_ server: ServerProcess, _ arguments: [String]) async throws -> String {
        let created = try await ControlEndToEndTests.ctl(server, ["token", "create"] + arguments + ["--json"])
        #expect(created.status == 0, "\(created.stderr)")
        return try #require(try JSONParser.parse(created.stdout)["token"]?.stringValue)
    }

    static func ids(_ body: String) throws -> [String] {
        try JSONParser.parse(body).arrayValue?.compactMap { $0["id"]?.stringValue }.sorted() ?? []
    }

    @Test(.serialized, arguments: TestStore.allCases) func aReadOnlyTokenReadsButCannotCommandAndAChargerListedTokenReachesOnlyItsChargers(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--http", "127.0.0.1:0"])
        let port = try #require(server.httpPort)
        let alpha = try await RespondingCharger.start(server.url, id: "ALPHA") { _, _ in .result(["status": "Accepted"]) }
        let beta = try await RespondingCharger.start(server.url, id: "BETA") { _, _ in .result(["status": "Accepted"]) }
        let viewer = try await Self.token(server, ["viewer", "--read-only"])
        let site = try await Self.token(server, ["site-alpha", "--chargers", "ALPHA"])
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let api = API(base: "http://127.0.0.1:\(port)", client: client)
        let reset = ControlAPI.command("ALPHA", action: "Reset", timeout: 5)

        // Read-only: every query answers, every change is 403 and reaches neither the charger nor the store.
        let list = try await api.call(.GET, "/v1/chargers", token: viewer)
        #expect(list.status == 200)
        #expect(try Self.ids(list.body) == ["ALPHA", "BETA"], "\(list.body)")
        #expect(try await api.call(.GET, "/v1/chargers/BETA", token: viewer).status == 200)
        let refused = try await api.call(.POST, reset, token: viewer, body: #"{"type":"Hard"}"#)
        #expect(refused.status == 403 && refused.body.contains("read-only"), "\(refused.body)")
        #expect(try await api.call(.PUT, "/v1/tags/T1", token: viewer, body: "{}").status == 403)
        #expect(alpha.calls.isEmpty, "a read-only token's command reached the charger")
        let tags = try await api.call(.GET, "/v1/tags", token: viewer)
        let tagList = try JSONParser.parse(tags.body).arrayValue
        #expect(tags.status == 200 && tagList?.isEmpty == true, "the refused PUT stored no tag: \(tags.body)")

        // Listed chargers only: ALPHA answers, BETA is 403 and hears nothing, lists leave BETA out.
        #expect(try await api.call(.POST, reset, token: site, body: #"{"type":"Hard"}"#).status == 200)
        #expect(alpha.calls.map(\.action) == ["Reset"])
        let other = try await api.call(.POST, ControlAPI.command("BETA", action: "Reset", timeout: 5), token: site, body: #"{"type":"Hard"}"#)
        #expect(other.status == 403 && other.body.contains("BETA"), "\(other.body)")
        #expect(beta.calls.isEmpty)
        #expect(try await api.call(.GET, "/v1/chargers/BETA", token: site).status == 403)
        #expect(try Self.ids(try await api.call(.GET, "/v1/chargers", token: site).body) == ["ALPHA"])
        let events = try await api.call(.GET, "/v1/events?limit=200", token: site).body.split(separator: "\n")
        let eventChargers = Set(try events.compactMap { try JSONParser.parse(String($0))["charger"]?.stringValue })
        #expect(eventChargers == ["ALPHA"], "\(eventChargers)")

        // The socket lists the rights; a malformed list is a usage error.
        let tokens = try await ControlEndToEndTests.ctl(server, ["token", "list", "--json"])
        let records = try JSONDecoder().decode([TokenRecord].self, from: Data(tokens.stdout.utf8))
        #expect(records.first { $0.name == "viewer" }?.readOnly == true)
        #expect(records.first { $0.name == "site-alpha" }?.chargers == ["ALPHA"])
        let bad = try await ControlEndToEndTests.ctl(server, ["token", "create", "x", "--chargers", "A,,B"])
        #expect(bad.status == 2 && bad.stderr.contains("--chargers"), "\(bad.stderr)")

        try await client.shutdown()
        await alpha.stop()
        await beta.stop()
        _ = await server.stop()
    }

    @Test(.serialized, arguments: TestStore.allCases) func theControlSocketIsNeverOpenToOtherUsersEvenUnderAPermissiveUmask(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, umask: "000")
        func attributes(_ path: String) -> [FileAttributeKey: Any]? { try? FileManager.default.attributesOfItem(atPath: path) }
        func mode(_ path: String) -> Int? { (attributes(path)?[.posixPermissions] as? NSNumber)?.intValue }
        var modes: [Int] = []
        for _ in 0..<100 {
            if let mode = mode(server.socketPath) {
                modes.append(mode)
                if mode == 0o660 { break }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(modes.last == 0o660, "\(modes.map { String($0, radix: 8) })")
        #expect(modes.allSatisfy { $0 & 0o007 == 0 }, "the socket was open to others: \(modes.map { String($0, radix: 8) })")
        let socket = attributes(server.socketPath)
        #expect((socket?[.ownerAccountID] as? NSNumber)?.uint32Value == getuid())
        #expect(socket?[.type] as? FileAttributeType == .typeSocket)
        if store == .sqlite {
            let database = try #require(mode(server.databasePath))
            #expect(database & 0o007 == 0, "database mode \(String(database, radix: 8))")
        }
        let chargers = try await ControlEndToEndTests.ctl(server, ["chargers"])
        #expect(chargers.status == 0, "the server's own user reaches the socket: \(chargers.stderr)")
        _ = await server.stop()
    }
}
