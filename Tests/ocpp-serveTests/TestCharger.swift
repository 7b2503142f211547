import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import Shared
import Synchronization

/// A scripted charger over a real WebSocket: sends CALLs and reads the answers, in order.
/// Used by one task at a time (a test body); unchecked because the WebSocket iterator is not Sendable.
final class TestCharger: @unchecked Sendable {
    private let outbound: WebSocketOutboundWriter
    private var inbound: WebSocketInboundMessageStream.AsyncIterator
    private var counter = 0
    let id: String

    private init(id: String, outbound: WebSocketOutboundWriter, inbound: WebSocketInboundMessageStream.AsyncIterator) {
        self.id = id
        self.outbound = outbound
        self.inbound = inbound
    }

    /// Connects as `id` to `url/id` and runs `body`; the socket closes when `body` returns.
    static func connect(
        _ url: String,
        id: String,
        subprotocols: String? = "ocpp1.6",
        authorization: String? = nil,
        _ body: @escaping @Sendable (TestCharger) async throws -> Void
    ) async throws {
        var headers = HTTPFields()
        if let subprotocols { headers[.secWebSocketProtocol] = subprotocols }
        if let authorization { headers[.authorization] = authorization }
        var logger = Logger(label: "test-charger")
        logger.logLevel = .critical
        let encoded = id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? id
        try await WebSocketClient.connect(
            url: "\(url)/\(encoded)",
            configuration: .init(maxFrameSize: 1 << 20, additionalHeaders: headers),
            logger: logger
        ) { inbound, outbound, _ in
            let charger = TestCharger(id: id, outbound: outbound, inbound: inbound.messages(maxSize: 1 << 20).makeAsyncIterator())
            try await body(charger)
        }
    }

    func send(_ text: String) async throws {
        try await outbound.write(.text(text))
    }

    /// The next text message from the server.
    func receive() async throws -> String {
        while let message = try await inbound.next() {
            if case .text(let text) = message { return text }
        }
        throw TestChargerError.closed
    }

    /// Sends a raw frame and returns the server's answer as a parsed JSON array.
    func exchange(_ text: String) async throws -> [JSONValue] {
        try await send(text)
        return try JSONParser.parse(try await receive()).arrayValue ?? []
    }

    /// Sends a CALL and returns the CALLRESULT payload; a CALLERROR throws.
    @discardableResult
    func call(_ action: String, _ payload: JSONValue) async throws -> JSONValue {
        counter += 1
        let id = "\(self.id)-\(counter)"
        let answer = try await exchange(RPCCall(messageID: id, action: action, payload: payload).serialized())
        guard answer.count >= 3, answer[1] == .string(id) else { throw TestChargerError.unexpected(answer) }
        if answer[0] == 4 { throw TestChargerError.callError(answer) }
        return answer[2]
    }
}

enum TestChargerError: Error {
    case closed
    case unexpected([JSONValue])
    case callError([JSONValue])
}

/// A value shared between a test and the closures it hands to clients (a `Mutex` cannot be captured by escaping closures).
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}
