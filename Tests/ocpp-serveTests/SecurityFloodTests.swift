import TestSupport
import Foundation
import Logging
import Shared
import Synchronization
import Testing

@testable import ocpp_serve

/// Security Profile 1 under a flood of wrong passwords, against the real binaries: a connected charger keeps its
/// round trips (PBKDF2 runs on one verification thread, not the event loops), every guess gets its 401.
@Suite struct SecurityFloodTests {
    /// 500 in the suite, where every other test shares the two cores with it (a 2 000-guess flood there slowed
    /// timing-sensitive tests next to it); `OCPP_FLOOD_HANDSHAKES=2000 swift test --filter SecurityFloodTests` runs
    /// the issue's 2 000 alone (BENCHMARKS.md).
    static let floodHandshakes = ProcessInfo.processInfo.environment["OCPP_FLOOD_HANDSHAKES"].flatMap { Int($0) } ?? 500
    /// More than `ChargerEndpoint.maxWaitingChecks` (64), so the full-queue path is exercised too.
    static let floodConcurrency = 80
    /// Bound on the connected charger's p99 Heartbeat round trip during the flood: a stall, not a figure. Measured
    /// alone (debug build, 2 shared cores): 1.6 ms before, 13 ms during; in the whole suite, with every other test
    /// running beside it, up to 230 ms. An event loop held by password checks would show seconds.
    static let p99BoundMs = 1_000.0

    /// Runs `body(worker)` on `count` threads of its own (blocking sockets would starve the few threads async
    /// tests share) and returns once all have finished.
    static func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let remaining = Locked(count)
            for worker in 0..<count {
                let thread = Thread {
                    body(worker)
                    if remaining.withLock({ value -> Int in
                        value -= 1
                        return value
                    }) == 0 { continuation.resume() }
                }
                thread.stackSize = 1 << 20
                thread.start()
            }
        }
    }

    /// One Heartbeat round trip in milliseconds.
    static func heartbeat(_ socket: RawSocket, _ n: Int) throws -> Double {
        let start = ContinuousClock.now
        try socket.write(RawSocket.text(#"[2,"hb\#(n)","Heartbeat",{}]"#))
        let answer = try socket.readText()
        guard answer.hasPrefix(#"[3,"hb\#(n)""#) else { throw RawSocketError.io("unexpected answer \(answer)") }
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    @Test(.timeLimit(.minutes(2)), .serialized, arguments: TestStore.allCases) func connectedChargerKeepsItsRoundTripsWhileWrongPasswordsFlood(store: TestStore) async throws {
        let server = try await ServerProcess(store: store)
        let known = ["FLOOD-1", "FLOOD-2", "FLOOD-3", "FLOOD-4", "GOOD-1", "GOOD-2"]
        for id in known {
            let set = try await ControlEndToEndTests.ctl(server, ["charger", "password", "set", id, "--password", SecurityProfileTests.password])
            #expect(set.status == 0, "\(set.stderr)")
        }
        let port = server.port
        let good = Array(SecurityProfileTests.password.utf8)

        // GOOD-1 stays connected and sends Heartbeats; GOOD-2 connects once so its key is remembered.
        let charger = try await RawSocket.blocking { try RawSocket(port: port, timeoutSeconds: 10) }
        let head = try await RawSocket.blocking { try charger.handshake(id: "GOOD-1", authorization: SecurityProfileTests.basic("GOOD-1", good)) }
        #expect(head.hasPrefix("HTTP/1.1 101"), "\(head)")
        #expect(try await SecurityProfileTests.handshake(server, id: "GOOD-2", authorization: SecurityProfileTests.basic("GOOD-2", good)).hasPrefix("HTTP/1.1 101"))
        let before = try await RawSocket.blocking { try (0..<300).map { try Self.heartbeat(charger, $0) } }

        let floodDone = Locked(false)
        let during = Task {
            try await RawSocket.blocking {
                var rtts: [Double] = []
                var n = 1_000
                while !floodDone.withLock({ $0 }) {
                    rtts.append(try Self.heartbeat(charger, n))
                    n += 1
                }
                return rtts
            }
        }
        let outcomes = Locked<[String: Int]>([:])
        let next = Locked(0)
        let floodStart = ContinuousClock.now
        await Self.onThreads(Self.floodConcurrency) { _ in
            while true {
                let index = next.withLock { value -> Int in
                    value += 1
                    return value - 1
                }
                guard index < Self.floodHandshakes else { return }
                let id = "FLOOD-\(index % 4 + 1)"
                let outcome: String
                do {
                    let socket = try RawSocket(port: port, timeoutSeconds: 20)
                    let head = try socket.handshake(id: id, authorization: SecurityProfileTests.basic(id, Array("wrong-password-\(index)-xxxxx".utf8)))
                    // "\r\n" is one Character in Swift: split on the string, not on "\r".
                    outcome = head.components(separatedBy: "\r\n").first ?? head
                } catch {
                    outcome = "\(error)"
                }
                outcomes.withLock { $0[outcome, default: 0] += 1 }
            }
        }
        let floodSeconds = (ContinuousClock.now - floodStart) / .seconds(1)
        // A remembered key skips the check queue: the charger reconnects at once even right after the flood.
        let reconnect = try await SecurityProfileTests.handshake(server, id: "GOOD-2", authorization: SecurityProfileTests.basic("GOOD-2", good))
        floodDone.withLock { $0 = true }
        let duringRTTs = try await during.value

        let p99Before = Self.percentile(before, 0.99)
        let p99During = Self.percentile(duringRTTs, 0.99)
        print(
            String(
                format: "security flood: %d handshakes in %.2f s (%.0f refused/s), heartbeat p99 before %.2f ms (n=%d), during %.2f ms (n=%d, p50 %.2f ms)",
                Self.floodHandshakes, floodSeconds, Double(Self.floodHandshakes) / floodSeconds, p99Before, before.count, p99During, duringRTTs.count,
                Self.percentile(duringRTTs, 0.5))
        )
        // Every guess is answered 401, including those refused because 64 checks were already waiting
        // (ChargerEndpoint answers a full queue with the same 401, never a bare close).
        #expect(outcomes.withLock { $0 } == ["HTTP/1.1 401 Unauthorized": Self.floodHandshakes], "\(outcomes.withLock { $0 })")
        #expect(reconnect.hasPrefix("HTTP/1.1 101"), "\(reconnect)")
        #expect(duringRTTs.count >= 10, "the charger kept sending during the flood")
        #expect(p99During < Self.p99BoundMs, "p99 before \(p99Before) ms, during \(p99During) ms")

        // Logging is not rate-limited: one warning line per refusal, with its reason.
        let refusals = { server.stderr.filter { $0.contains("connection refused") && $0.contains("FLOOD-") } }
        try await SimulatorEndToEndTests.waitUntil(seconds: 10) { refusals().count >= Self.floodHandshakes }
        let lines = refusals()
        let checked = lines.filter { $0.contains("wrong password") }.count
        let queueFull = lines.filter { $0.contains("too many handshakes waiting for a password check") }.count
        print("security flood: \(lines.count) log lines, \(checked) checked (wrong password), \(queueFull) refused with the check queue full")
        #expect(lines.count == Self.floodHandshakes)
        #expect(checked + queueFull == Self.floodHandshakes)
        #expect(checked >= 1)
        #expect(await server.stop() == 0)
    }
}

/// Value tests (no timing) that a password check leaks neither how close a guess was nor which charger ids exist.
@Suite struct SecurityTimingTests {
    @Test func hashCompareLooksAtEveryByte() {
        let a = [UInt8](repeating: 0xAB, count: 32)
        var first = a
        first[0] ^= 1
        var last = a
        last[31] ^= 1
        #expect(HashedKey.constantTimeEqual(a, a))
        #expect(HashedKey.constantTimeEqual(a, first) == false)
        #expect(HashedKey.constantTimeEqual(a, last) == false)
        #expect(HashedKey.constantTimeEqual(a, Array(a.prefix(31))) == false)
        #expect(HashedKey.constantTimeEqual([], []))
    }

    @Test func wrongPasswordAndUnknownChargerEachCostOneDerivation() async throws {
        let credentials = ChargerCredentials(minimumProfile: 1, writer: nil, logger: Logger(label: "test"))
        let key = Array("correct-horse-battery-1".utf8)
        try await credentials.set("KNOWN", key: key)

        func run(_ id: String, _ password: [UInt8]) -> (ChargerCredentials.Verdict?, Int) {
            let start = credentials.derivations.load(ordering: .relaxed)
            guard case .slow(let work) = credentials.check(chargerID: id, authorization: BasicAuthorization(user: id, password: password).header) else {
                return (nil, 0)
            }
            let verdict = work()
            return (verdict, credentials.derivations.load(ordering: .relaxed) - start)
        }
        // A wrong password for a known charger, and any password for an unknown one (derived against a decoy
        // salt): both go to the verification thread and both cost exactly one derivation.
        let wrong = run("KNOWN", Array("wrong-password-123456".utf8))
        #expect(wrong.0 == .refused(reason: "wrong password") && wrong.1 == 1)
        let unknown = run("NOBODY", Array("wrong-password-123456".utf8))
        #expect(unknown.0 == .refused(reason: "unknown charger (server requires security profile 1)") && unknown.1 == 1)
        // Length does not shortcut the derivation either.
        let short = run("NOBODY", [1])
        #expect(short.1 == 1)
        let right = run("KNOWN", key)
        #expect(right.0 == .allowed(detail: "key (bytes)") && right.1 == 1)
        // Then remembered: no derivation at all.
        guard case .done(.allowed(detail: "remembered")) = credentials.check(chargerID: "KNOWN", authorization: BasicAuthorization(user: "KNOWN", password: key).header)
        else {
            Issue.record("a key that passed once is remembered")
            return
        }
    }
}
