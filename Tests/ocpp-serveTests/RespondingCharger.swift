import Foundation
import Shared

/// A charger on a real WebSocket that boots, then answers every CALL the server sends with a scripted reply, and
/// records what arrived and when, so tests can check the exact action and payload and that CALLs never overlap.
final class RespondingCharger: Sendable {
    enum Reply: Sendable {
        case result(JSONValue)
        case error(String)
        case silence
        /// Answer after a delay (overlap tests).
        case delayed(Double, JSONValue)
        /// Close the socket instead of answering.
        case disconnect
    }

    struct Received: Sendable {
        var action: String
        var payload: JSONValue
        var arrivedAt: ContinuousClock.Instant
        var answeredAt: ContinuousClock.Instant?
    }

    let id: String
    let received = Locked<[Received]>([])
    private let connected = Locked(false)
    private let ended = Locked(false)
    private let task: Locked<Task<Void, any Error>?> = Locked(nil)

    private init(id: String) { self.id = id }

    /// Connects as `id`, sends BootNotification (and a StatusNotification per connector in `statuses`), and from
    /// then on answers CALLs with `reply(action, payload)`.
    static func start(
        _ url: String, id: String, statuses: [String] = [], reply: @escaping @Sendable (String, JSONValue) -> Reply
    ) async throws -> RespondingCharger {
        let charger = RespondingCharger(id: id)
        let task = Task {
            defer { charger.ended.withLock { $0 = true } }
            try await TestCharger.connect(url, id: id) { socket in
                try await socket.call("BootNotification", ["chargePointVendor": "Scripted", "chargePointModel": "Responder"])
                for (index, status) in statuses.enumerated() {
                    try await socket.call(
                        "StatusNotification",
                        ["connectorId": .number(JSONNumber(index + 1)), "errorCode": "NoError", "status": .string(status)]
                    )
                }
                charger.connected.withLock { $0 = true }
                try await charger.serve(socket, reply)
            }
        }
        charger.task.withLock { $0 = task }
        for _ in 0..<250 where !charger.connected.withLock({ $0 }) {
            try await Task.sleep(for: .milliseconds(20))
        }
        guard charger.connected.withLock({ $0 }) else { throw TestChargerError.closed }
        return charger
    }

    private func serve(_ socket: TestCharger, _ reply: @escaping @Sendable (String, JSONValue) -> Reply) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            while true {
                let text = try await socket.receive()
                let arrived = ContinuousClock.now
                guard let frame = try? JSONParser.parse(text).arrayValue, frame.count == 4, frame[0] == 2,
                    let messageID = frame[1].stringValue, let action = frame[2].stringValue
                else { continue }
                let index = received.withLock {
                    $0.append(Received(action: action, payload: frame[3], arrivedAt: arrived))
                    return $0.count - 1
                }
                let answer = reply(action, frame[3])
                if case .disconnect = answer { throw TestChargerError.closed }
                group.addTask {
                    switch answer {
                    case .result(let payload):
                        try await self.answer(socket, index, RPCCallResult(messageID: messageID, payload: payload).serialized())
                    case .delayed(let seconds, let payload):
                        try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                        try await self.answer(socket, index, RPCCallResult(messageID: messageID, payload: payload).serialized())
                    case .error(let code):
                        try await self.answer(
                            socket, index, JSONValue.array([4, .string(messageID), .string(code), "scripted error", [:]]).serialized()
                        )
                    case .silence, .disconnect:
                        break
                    }
                }
            }
        }
    }

    private func answer(_ socket: TestCharger, _ index: Int, _ text: String) async throws {
        received.withLock { $0[index].answeredAt = ContinuousClock.now }
        try await socket.send(text)
    }

    var calls: [Received] { received.withLock { $0 } }

    /// The socket closed (by the server, or `stop`).
    var isClosed: Bool { ended.withLock { $0 } }

    func stop() async {
        let task = task.withLock { $0 }
        task?.cancel()
        _ = try? await task?.value
    }
}

extension JSONValue {
    /// The value with object members sorted by key at every level, so payloads compare regardless of member order.
    var canonical: JSONValue {
        switch self {
        case .object(let object):
            .object(JSONObject(object.members.sorted { $0.key < $1.key }.map { JSONMember(key: $0.key, value: $0.value.canonical) }))
        case .array(let array): .array(array.map(\.canonical))
        default: self
        }
    }
}
