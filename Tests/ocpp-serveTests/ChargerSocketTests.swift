import TestSupport
import Foundation
import Shared
import Testing

/// The charger port below what a WebSocket library lets a client do: plain HTTP, several messages in one write,
/// fragments, pings, size limits, the close handshake.
@Suite struct ChargerSocketTests {
    @Test(.serialized, arguments: TestStore.allCases) func plainHTTPOnTheChargerPort(store: TestStore) async throws {
        let server = try await ServerProcess(store: store)
        let port = server.port
        let (health, other, refused) = try await RawSocket.blocking {
            let health = try RawSocket(port: port)
            try health.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            let other = try RawSocket(port: port)
            try other.write("GET /ocpp/CP1 HTTP/1.1\r\nHost: x\r\n\r\n")
            let refused = try RawSocket(port: port)
            return (health.readToEnd(), other.readToEnd(), try refused.handshake(id: "OLD1", subprotocol: "ocpp1.5"))
        }
        #expect(health.hasPrefix("HTTP/1.1 200 OK"))
        #expect(health.hasSuffix("\r\n\r\nok\n"))
        #expect(other.hasPrefix("HTTP/1.1 404"))
        #expect(refused.hasPrefix("HTTP/1.1 400"))
        // The log line may reach the pipe a moment after the answer reached the socket.
        let deadline = ContinuousClock.now + .seconds(5)
        while !server.stderr.contains(where: { $0.contains("[OLD1] connection refused") }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(server.stderr.contains { $0.contains("[OLD1] connection refused") })
        #expect(await server.stop() == 0)
    }

    @Test(.serialized, arguments: TestStore.allCases) func messagesSentWithoutWaitingAreAnsweredInOrder(store: TestStore) async throws {
        let server = try await ServerProcess(store: store)
        let port = server.port
        // OCPP-J allows one outstanding CALL, but a charger that sends 50 at once must lose none and get them in order.
        let ids = try await RawSocket.blocking {
            let socket = try RawSocket(port: port)
            _ = try socket.handshake(id: "FLOOD1")
            try socket.write((0..<50).flatMap { RawSocket.text(#"[2,"h\#($0)","Heartbeat",{}]"#) })
            return try (0..<50).map { _ in try JSONParser.parse(try socket.readText()).arrayValue?[1] }
        }
        #expect(ids == (0..<50).map { JSONValue.string("h\($0)") })
        #expect(await server.stop() == 0)
    }

    @Test(.serialized, arguments: TestStore.allCases) func fragmentsAreJoinedAndPingsAnsweredBetweenThem(store: TestStore) async throws {
        let server = try await ServerProcess(store: store)
        let port = server.port
        let (pong, answer) = try await RawSocket.blocking {
            let socket = try RawSocket(port: port)
            _ = try socket.handshake(id: "FRAG1")
            try socket.write(
                RawSocket.text(#"[2,"f1","Heart"#, fin: false) + RawSocket.frame(opcode: 9, Array("hi".utf8))
                    + RawSocket.text(#"beat",{}]"#, continuation: true)
            )
            return (try socket.readFrame(), try socket.readText())
        }
        #expect(pong.opcode == 0xA && pong.payload == Array("hi".utf8))
        let parsed = try JSONParser.parse(answer).arrayValue
        #expect(parsed?.first == 3 && parsed?[1] == "f1")
        #expect(await server.stop() == 0)
    }

    @Test(.serialized, arguments: TestStore.allCases) func oversizeMessagesCloseWith1009(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--max-message", "1024"])
        let port = server.port
        let big = #"[2,"b1","DataTransfer",{"vendorId":"V","data":""# + String(repeating: "x", count: 1200) + #""}]"#
        let (single, fragmented) = try await RawSocket.blocking {
            let single = try RawSocket(port: port)
            _ = try single.handshake(id: "BIG1")
            try single.write(RawSocket.text(big))
            let fragmented = try RawSocket(port: port)
            _ = try fragmented.handshake(id: "BIG2")
            let half = big.index(big.startIndex, offsetBy: 700)
            try fragmented.write(RawSocket.text(String(big[..<half]), fin: false) + RawSocket.text(String(big[half...]), continuation: true))
            return (try single.readFrame(), try fragmented.readFrame())
        }
        for frame in [single, fragmented] {
            #expect(frame.opcode == 8)
            #expect(frame.payload.prefix(2).elementsEqual([0x03, 0xF1]), "close code 1009, got \(frame.payload)")
        }
        #expect(await server.stop() == 0)
    }

    @Test(.serialized, arguments: TestStore.allCases) func aChargerThatAnswersNoPingIsClosed(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--ping-interval", "1"])
        let port = server.port
        let (kept, dropped) = try await RawSocket.blocking {
            // Answers two pings: still connected after them.
            let live = try RawSocket(port: port)
            _ = try live.handshake(id: "PONG1")
            for _ in 0..<2 {
                let ping = try live.readFrame()
                guard ping.opcode == 9 else { throw RawSocketError.io("expected a ping, got opcode \(ping.opcode)") }
                try live.write(RawSocket.frame(opcode: 0xA, ping.payload))
            }
            try live.write(RawSocket.text(#"[2,"k1","Heartbeat",{}]"#))
            let kept = try live.readText()
            // Answers none: a ping, then a close with 1001 one interval later.
            let silent = try RawSocket(port: port)
            _ = try silent.handshake(id: "DEAF1")
            let ping = try silent.readFrame()
            let close = try silent.readFrame()
            return (kept, [ping.opcode, close.opcode] + close.payload.prefix(2))
        }
        #expect(kept.contains(#""k1""#))
        #expect(dropped == [9, 8, 0x03, 0xE9])
        #expect(await server.stop() == 0)
    }

    @Test(.serialized, arguments: TestStore.allCases) func theCloseHandshakeIsEchoed(store: TestStore) async throws {
        let server = try await ServerProcess(store: store)
        let port = server.port
        let (echo, rest) = try await RawSocket.blocking {
            let socket = try RawSocket(port: port)
            _ = try socket.handshake(id: "BYE1")
            try socket.write(RawSocket.frame(opcode: 8, [0x03, 0xE8] + Array("done".utf8)))
            return (try socket.readFrame(), socket.readToEnd())
        }
        #expect(echo.opcode == 8 && echo.payload.prefix(2).elementsEqual([0x03, 0xE8]))
        #expect(rest.isEmpty)
        #expect(await server.stop() == 0)
    }

    @Test(.serialized, arguments: TestStore.allCases) func shutdownClosesChargersWith1001AndRecordsThemOffline(store: TestStore) async throws {
        let server = try await ServerProcess(store: store)
        let port = server.port
        let socket = try await RawSocket.blocking {
            let socket = try RawSocket(port: port)
            _ = try socket.handshake(id: "STOP1")
            try socket.write(RawSocket.text(#"[2,"a","Heartbeat",{}]"#))
            _ = try socket.readText()
            return socket
        }
        async let exitCode = server.stop()
        let close = try await RawSocket.blocking { try socket.readFrame() }
        #expect(close.opcode == 8)
        #expect(close.payload.elementsEqual([0x03, 0xE9] + Array("server shutting down".utf8)))
        #expect(await exitCode == 0)
        let online = try await server.openDatabase().read { db in
            try db.fetchValue(Bool.self, sql: "SELECT online FROM chargers WHERE id = 'STOP1'")
        }
        #expect(online == false)
    }

    @Test(.serialized, arguments: TestStore.allCases) func aProtocolViolationClosesOnlyThatSocket(store: TestStore) async throws {
        let server = try await ServerProcess(store: store)
        let port = server.port
        let (close, answer) = try await RawSocket.blocking {
            let broken = try RawSocket(port: port)
            _ = try broken.handshake(id: "BROKEN1")
            // A control frame may carry at most 125 bytes (RFC 6455 §5.5).
            try broken.write(RawSocket.frame(opcode: 9, [UInt8](repeating: 0x61, count: 200)))
            let close = try broken.readFrame()
            let healthy = try RawSocket(port: port)
            _ = try healthy.handshake(id: "HEALTHY1")
            try healthy.write(RawSocket.text(#"[2,"ok1","Heartbeat",{}]"#))
            return (close, try healthy.readText())
        }
        #expect(close.opcode == 8 && close.payload.prefix(2).elementsEqual([0x03, 0xEA]), "close 1002, got \(close.payload)")
        #expect(answer.contains(#""ok1""#))
        #expect(await server.stop() == 0)
    }
}
