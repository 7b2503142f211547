import Shared

/// The CALLs the central system sends one charger socket. OCPP-J allows one outstanding CALL per direction, so
/// commands take turns in arrival order; each waits for its answer (matched by message id) until its caller gives
/// up (cancellation: the command's timeout) or the socket closes.
actor ChargerCallQueue {
    enum Failure: Error, Equatable {
        case disconnected
    }

    private var busy = false
    private var waiting: [(ticket: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    private var inFlight: (messageID: String, ticket: UInt64, continuation: CheckedContinuation<RPCFrame, any Error>)?
    /// The message id of the CALL being sent, and its answer if it arrives while the send is still completing
    /// (on loopback the charger can answer before the write returns).
    private var expected: (messageID: String, early: RPCFrame?)?
    private var closed = false
    private var nextTicket: UInt64 = 0

    /// Waits for this socket's turn, sends with `send`, and returns the CALLRESULT or CALLERROR answering `messageID`.
    func call(messageID: String, send: @Sendable () async throws -> Void) async throws -> RPCFrame {
        nextTicket += 1
        let ticket = nextTicket
        try await waitForTurn(ticket)
        defer { passTurn() }
        try Task.checkCancellation()
        if closed { throw Failure.disconnected }
        expected = (messageID, nil)
        defer { expected = nil }
        try await send()
        if let early = expected?.early { return early }
        return try await waitForAnswer(messageID: messageID, ticket: ticket)
    }

    /// An answer from the charger; false when no CALL waits for it (late after a timeout, or unsolicited).
    func deliver(_ frame: RPCFrame) -> Bool {
        if inFlight == nil, expected?.messageID == frame.messageID, expected?.early == nil {
            expected?.early = frame
            return true
        }
        guard let current = inFlight, current.messageID == frame.messageID else { return false }
        inFlight = nil
        current.continuation.resume(returning: frame)
        return true
    }

    /// The socket closed: every waiting and in-flight command fails.
    func close() {
        closed = true
        if let current = inFlight {
            inFlight = nil
            current.continuation.resume(throwing: Failure.disconnected)
        }
        let pending = waiting
        waiting.removeAll()
        for waiter in pending { waiter.continuation.resume(throwing: Failure.disconnected) }
    }

    /// Commands queued behind the one in flight (for `charger ID`).
    var queuedCount: Int { waiting.count }

    private func waitForTurn(_ ticket: UInt64) async throws {
        if closed { throw Failure.disconnected }
        if !busy {
            busy = true
            return
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiting.append((ticket, continuation))
            }
        } onCancel: {
            Task { await self.cancelWaiting(ticket) }
        }
    }

    private func passTurn() {
        if waiting.isEmpty {
            busy = false
        } else {
            waiting.removeFirst().continuation.resume()
        }
    }

    private func waitForAnswer(messageID: String, ticket: UInt64) async throws -> RPCFrame {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if closed {
                    continuation.resume(throwing: Failure.disconnected)
                } else {
                    inFlight = (messageID, ticket, continuation)
                }
            }
        } onCancel: {
            Task { await self.cancelInFlight(ticket) }
        }
    }

    private func cancelWaiting(_ ticket: UInt64) {
        guard let index = waiting.firstIndex(where: { $0.ticket == ticket }) else { return }
        waiting.remove(at: index).continuation.resume(throwing: CancellationError())
    }

    private func cancelInFlight(_ ticket: UInt64) {
        guard let current = inFlight, current.ticket == ticket else { return }
        inFlight = nil
        current.continuation.resume(throwing: CancellationError())
    }
}
