import TestSupport
import Foundation
import Shared
import Testing

/// Security Profile 1 against the real binaries: HTTP Basic at the handshake, keys stored hashed, rotation over
/// ChangeConfiguration AuthorizationKey with ocpp-sim.
@Suite struct SecurityProfileTests {
    static let password = "correct-horse-battery-1"
    static let otherPassword = "another-chargers-key-22"

    static func basic(_ user: String, _ password: [UInt8]) -> String { BasicAuthorization(user: user, password: password).header }

    /// Raw handshake; returns the response head.
    static func handshake(_ server: ServerProcess, id: String, authorization: String?) async throws -> String {
        let port = server.port
        return try await RawSocket.blocking {
            let socket = try RawSocket(port: port)
            return try socket.handshake(id: id, authorization: authorization)
        }
    }

    static func refusals(_ server: ServerProcess, _ id: String) -> [String] {
        server.stderr.filter { $0.contains("connection refused") && $0.contains(id) }
    }

    @Test(.serialized, arguments: TestStore.allCases) func wrongMissingAndForeignPasswordsGet401LoggedOnceAndStoreNothing(store: TestStore) async throws {
        let server = try await ServerProcess(store: store)
        let set = try await ControlEndToEndTests.ctl(server, ["charger", "password", "set", "SEC-1", "--password", Self.password])
        #expect(set.status == 0, "\(set.stderr)")
        #expect(set.stdout.contains(Self.password) == false)
        let other = try await ControlEndToEndTests.ctl(server, ["charger", "password", "set", "SEC-2", "--password", Self.otherPassword])
        #expect(other.status == 0)

        let cases: [(String?, String)] = [
            (nil, "no Basic credentials (charger has a password)"),
            (Self.basic("SEC-1", Array("wrong-password-123456".utf8)), "wrong password"),
            (Self.basic("SEC-1", Array(Self.otherPassword.utf8)), "wrong password"),
            (Self.basic("SEC-2", Array(Self.otherPassword.utf8)), "Basic user SEC-2 is not the charge point id"),
            ("Bearer abc", "malformed Authorization header"),
        ]
        for (index, (authorization, reason)) in cases.enumerated() {
            let head = try await Self.handshake(server, id: "SEC-1", authorization: authorization)
            #expect(head.hasPrefix("HTTP/1.1 401"), "\(head)")
            #expect(head.contains(#"WWW-Authenticate: Basic realm="ocpp""#), "\(head)")
            try await SimulatorEndToEndTests.waitUntil(seconds: 5) { Self.refusals(server, "SEC-1").count == index + 1 }
            #expect(Self.refusals(server, "SEC-1").count == index + 1, "logged once per refusal")
            #expect(Self.refusals(server, "SEC-1").last?.contains(reason) == true, "\(Self.refusals(server, "SEC-1"))")
        }
        let db = try await SimulatorEndToEndTests.database(server)
        let frames = try await db.read { db in try db.fetchValue(Int.self, sql: "SELECT COUNT(*) FROM frames WHERE charger_id = 'SEC-1'") }
        #expect(frames == 0)

        // The right password, as raw bytes and as the key's hex text (either case), gets the 101.
        for authorization in [
            Self.basic("SEC-1", Array(Self.password.utf8)), Self.basic("SEC-1", Array(AuthorizationKey.hex(Array(Self.password.utf8)).uppercased().utf8)),
        ] {
            let head = try await Self.handshake(server, id: "SEC-1", authorization: authorization)
            #expect(head.hasPrefix("HTTP/1.1 101"), "\(head)")
        }
        // A charger without a password still connects without credentials (the default minimum is 0).
        #expect(try await Self.handshake(server, id: "PLAIN-1", authorization: nil).hasPrefix("HTTP/1.1 101"))

        // Stored hashed: no table holds the password, its hex, or its base64.
        let dump = try await db.read { db -> String in
            let tables = try db.fetchValues(
                String.self,
                sql: db.dialect == .sqlite ? "SELECT name FROM sqlite_master WHERE type = 'table'" : "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
            var text = ""
            for table in tables {
                for row in try db.fetchAll(sql: "SELECT * FROM \"\(table)\"") {
                    for value in row.values {
                        switch value {
                        case .text(let s): text += s + "\n"
                        case .blob(let d): text += String(decoding: d, as: UTF8.self) + "\n"
                        default: break
                        }
                    }
                }
            }
            return text
        }
        for secret in [Self.password, Self.otherPassword, AuthorizationKey.hex(Array(Self.password.utf8))] {
            #expect(!dump.contains(secret), "clear text of a password in the database")
        }
        let rows = try await db.read { db in try db.fetchValue(Int.self, sql: "SELECT COUNT(*) FROM charger_security WHERE length(key_hash) = 32 AND key_rounds > 1000") }
        #expect(rows == 2)
        #expect(await server.stop() == 0)
    }

    @Test(.serialized, arguments: TestStore.allCases) func minimumProfileOneRefusesUnknownChargersAndClearedPasswordsReopen(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--security-profile", "1"])
        #expect(try await Self.handshake(server, id: "UNKNOWN-1", authorization: nil).hasPrefix("HTTP/1.1 401"))
        #expect(try await Self.handshake(server, id: "UNKNOWN-2", authorization: Self.basic("UNKNOWN-2", Array(Self.password.utf8))).hasPrefix("HTTP/1.1 401"))
        let generated = try await ControlEndToEndTests.ctl(server, ["charger", "password", "set", "SEC-G", "--generate"])
        #expect(generated.status == 0)
        let key = generated.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(key.count == 40 && key.allSatisfy { $0.isLetter || $0.isNumber })
        #expect(try await Self.handshake(server, id: "SEC-G", authorization: Self.basic("SEC-G", Array(key.utf8))).hasPrefix("HTTP/1.1 101"))
        #expect(try await ControlEndToEndTests.ctl(server, ["charger", "password", "clear", "SEC-G"]).status == 0)
        #expect(try await Self.handshake(server, id: "SEC-G", authorization: Self.basic("SEC-G", Array(key.utf8))).hasPrefix("HTTP/1.1 401"))
        let short = try await ControlEndToEndTests.ctl(server, ["charger", "password", "set", "SEC-G", "--password", "short"])
        #expect(short.status == 2)
        #expect(await server.stop() == 0)
    }

    @Test(.serialized, arguments: TestStore.allCases) func simulatorWithThePasswordRunsASession(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        #expect(try await ControlEndToEndTests.ctl(server, ["charger", "password", "set", "SECSIM0001", "--password", Self.password]).status == 0)
        let wrong = try await SimulatorEndToEndTests.sim(server, ["--prefix", "SECSIM", "--password", "not-the-right-one-000", "--scenario", "once", "--duration", "3"])
        #expect(wrong.status != 0)
        let run = try await SimulatorEndToEndTests.sim(
            server, ["--prefix", "SECSIM", "--password", Self.password, "--scenario", "once", "--speed", "1200", "--duration", "60"]
        )
        #expect(run.status == 0, "\(run.stdout.prefix(1000)) \(run.stderr.suffix(1000))")
        #expect(try JSONParser.parse(run.stdout)["sessions"]?.arrayValue?.count == 1)
        #expect(await server.stop() == 0)
    }

    @Test(.serialized, arguments: TestStore.allCases) func rotationOverChangeConfigurationKeepsTheChargerAndItsMessages(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        #expect(try await ControlEndToEndTests.ctl(server, ["charger", "password", "set", "ROT0001", "--password", Self.password]).status == 0)
        let (sim, output) = try SimulatorEndToEndTests.background(
            server, ["--prefix", "ROT", "--password", Self.password, "--scenario", "charge", "--speed", "120", "--duration", "25"]
        )
        try await SimulatorEndToEndTests.waitUntil { try await SimulatorEndToEndTests.connected(server, "ROT0001") }
        let rotate = try await ControlEndToEndTests.ctl(server, ["charger", "password", "rotate", "ROT0001", "--json"])
        #expect(rotate.status == 0, "\(rotate.stdout) \(rotate.stderr)")
        #expect(try JSONParser.parse(rotate.stdout)["status"] == .string("Accepted"))
        // The simulator reconnects with its new key; then the old key is forgotten.
        let keys = try await SimulatorEndToEndTests.database(server)
        try await SimulatorEndToEndTests.waitUntil {
            try await keys.read { db in
                try db.fetchValue(Bool.self, sql: "SELECT previous_hash IS NULL FROM charger_security WHERE charger_id = 'ROT0001'") == true
            }
        }
        try await SimulatorEndToEndTests.waitUntil { try await SimulatorEndToEndTests.connected(server, "ROT0001") }
        #expect(try await Self.handshake(server, id: "ROT0001", authorization: Self.basic("ROT0001", Array(Self.password.utf8))).hasPrefix("HTTP/1.1 401"))
        // Nothing lost: the simulator's run ends with every CALL answered.
        while sim.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        #expect(sim.terminationStatus == 0, "\(String(decoding: (try? Data(contentsOf: output)) ?? Data(), as: UTF8.self).prefix(1500))")
        let db = try await SimulatorEndToEndTests.database(server)
        let logged = try await db.read { db in
            try db.fetchValues(String.self, sql: "SELECT text FROM frames WHERE charger_id = 'ROT0001' AND action = 'ChangeConfiguration'")
        }
        #expect(logged.count == 1 && logged.allSatisfy { $0.contains("(redacted)") }, "\(logged)")
        #expect(await server.stop() == 0)
    }

    /// A rotation the charger never answers: the charger may hold either key, so both are stored and survive a
    /// restart (the new one current, the old one until the charger connects with the new).
    @Test(.serialized, arguments: TestStore.allCases) func anUnansweredRotationKeepsBothKeysAcrossARestart(store: TestStore) async throws {
        let server = try await ServerProcess(store: store)
        #expect(try await ControlEndToEndTests.ctl(server, ["charger", "password", "set", "MUTE-1", "--password", Self.password]).status == 0)
        let port = server.port
        let old = Self.basic("MUTE-1", Array(Self.password.utf8))
        // A charger that connects, reads the ChangeConfiguration and never answers it.
        async let call: String = RawSocket.blocking {
            let socket = try RawSocket(port: port, timeoutSeconds: 10)
            guard try socket.handshake(id: "MUTE-1", authorization: old).hasPrefix("HTTP/1.1 101") else { return "" }
            let text = try socket.readText()
            Thread.sleep(forTimeInterval: 4)  // connected and silent past the command's timeout
            return text
        }
        try await SimulatorEndToEndTests.waitUntil { try await SimulatorEndToEndTests.connected(server, "MUTE-1") }
        let rotate = try await ControlEndToEndTests.ctl(server, ["--timeout", "2", "charger", "password", "rotate", "MUTE-1"])
        #expect(rotate.status == 4, "no answer within --timeout: \(rotate.stderr)")
        let frame = try JSONParser.parse(try await call).arrayValue ?? []
        let newKey = try #require(frame.count == 4 ? frame[3]["value"]?.stringValue : nil)
        #expect(frame[2] == "ChangeConfiguration" && frame[3]["key"] == "AuthorizationKey")
        #expect(await server.stop() == 0)

        let restarted = try await server.restart()
        #expect(try await Self.handshake(restarted, id: "MUTE-1", authorization: old).hasPrefix("HTTP/1.1 101"), "the old key still works")
        let new = Self.basic("MUTE-1", Array(newKey.utf8))
        #expect(try await Self.handshake(restarted, id: "MUTE-1", authorization: new).hasPrefix("HTTP/1.1 101"), "the new key survived the restart")
        #expect(await restarted.stop() == 0)
    }
}
