import Shared
import Testing

@testable import ocpp_serve

/// The per-socket command queue: one CALL at a time in arrival order, answers matched by id (even one that
/// arrives before the write returns), cancellation frees the turn, a closed socket fails everyone.
@Suite struct ChargerCallQueueTests {
    static func result(_ id: String) -> RPCFrame { .callResult(RPCCallResult(messageID: id, payload: ["status": "Accepted"])) }

    @Test func anAnswerArrivingBeforeTheWriteReturnsIsNotLost() async throws {
        let queue = ChargerCallQueue()
        let answer = try await queue.call(messageID: "m1") {
            // The charger answers on loopback while the write is still completing.
            #expect(await queue.deliver(Self.result("m1")))
        }
        #expect(answer == Self.result("m1"))
    }

    @Test func callsTakeTurnsInArrivalOrder() async throws {
        let queue = ChargerCallQueue()
        let sent = Locked<[String]>([])
        let first = Task {
            try await queue.call(messageID: "a") { sent.withLock { $0.append("a") } }
        }
        while sent.withLock({ $0.count }) < 1 { await Task.yield() }
        let second = Task {
            try await queue.call(messageID: "b") { sent.withLock { $0.append("b") } }
        }
        // Wait for b to queue (a starved test pool may take long), then check it was not sent.
        for _ in 0..<1_000 where await queue.queuedCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(50))
        #expect(sent.withLock { $0 } == ["a"], "b waits while a is outstanding")
        #expect(await queue.queuedCount == 1)
        #expect(await queue.deliver(Self.result("b")) == false, "an answer to a CALL not sent yet is not accepted")
        #expect(await queue.deliver(Self.result("a")))
        #expect(try await first.value == Self.result("a"))
        while sent.withLock({ $0.count }) < 2 { await Task.yield() }
        #expect(await queue.deliver(Self.result("b")))
        #expect(try await second.value == Self.result("b"))
    }

    @Test func aTimedOutCallFreesTheTurnAndItsLateAnswerIsDropped() async throws {
        let queue = ChargerCallQueue()
        await #expect(throws: ControlError.self) {
            try await ChargerCommander.withTimeout(seconds: 0.1) {
                try await queue.call(messageID: "slow") {}
            }
        }
        let next = Task { try await queue.call(messageID: "next") {} }
        try await Task.sleep(for: .milliseconds(50))
        #expect(await queue.deliver(Self.result("slow")) == false)
        #expect(await queue.deliver(Self.result("next")))
        #expect(try await next.value == Self.result("next"))
    }

    @Test func closingTheSocketFailsTheCallInFlightAndTheQueuedOnes() async throws {
        let queue = ChargerCallQueue()
        let inFlight = Task { try await queue.call(messageID: "x") {} }
        let queued = Task { try await queue.call(messageID: "y") {} }
        try await Task.sleep(for: .milliseconds(50))
        await queue.close()
        for task in [inFlight, queued] {
            await #expect(throws: ChargerCallQueue.Failure.disconnected) { try await task.value }
        }
        await #expect(throws: ChargerCallQueue.Failure.disconnected) { try await queue.call(messageID: "z") {} }
    }
}
