import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOWebSocket
import Testing

@testable import ocpp_serve

/// The charger port's own NIO pieces on an `EmbeddedChannel`: no sockets, no timing.
struct ChargerChannelTests {
    private static func answer(to head: HTTPRequestHead) throws -> (HTTPResponseHead?, String, Bool) {
        let channel = EmbeddedChannel(handler: ChargerHTTPHandler())
        try channel.writeInbound(HTTPServerRequestPart.head(head))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        var response: HTTPResponseHead?
        var body = ""
        while let part = try channel.readOutbound(as: HTTPServerResponsePart.self) {
            switch part {
            case .head(let head): response = head
            case .body(.byteBuffer(let buffer)): body += String(buffer: buffer)
            default: break
            }
        }
        let closed = !channel.isActive
        _ = try? channel.finish()
        return (response, body, closed)
    }

    @Test func healthAnswersOK() throws {
        let (head, body, closed) = try Self.answer(to: HTTPRequestHead(version: .http1_1, method: .GET, uri: "/health?probe=1"))
        #expect(head?.status == .ok)
        #expect(head?.headers["Content-Length"] == ["3"])
        #expect(body == "ok\n")
        #expect(closed)
    }

    @Test func otherPathsAreNotFoundAndRefusedUpgradesBadRequests() throws {
        #expect(try Self.answer(to: HTTPRequestHead(version: .http1_1, method: .GET, uri: "/ocpp/CP1")).0?.status == .notFound)
        #expect(try Self.answer(to: HTTPRequestHead(version: .http1_1, method: .POST, uri: "/health")).0?.status == .notFound)
        let upgrade = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/ocpp/CP1", headers: ["Upgrade": "websocket", "Connection": "Upgrade"])
        #expect(try Self.answer(to: upgrade).0?.status == .badRequest)
    }

    @Test(arguments: [0, 1, 7, 8, 9, 16, 23, 64, 1000])
    func maskedTextIsUnmaskedInOnePass(length: Int) {
        let text = String((0..<length).map { i in Character(UnicodeScalar(UInt8(32 + (i * 7) % 90))) })
        let key: WebSocketMaskingKey = [0x9A, 0x01, 0xFF, 0x3C]
        var data = ByteBuffer(string: text)
        data.webSocketMask(key)
        let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: key, data: data)
        #expect(ChargerConnection.text(of: frame) == text)
    }

    @Test func unmaskedAndMultibyteTextSurvive() {
        let text = "[2,\"é\",\"DataTransfer\",{\"data\":\"Ω≈ç√∫ 🚗⚡️\"}]"
        #expect(ChargerConnection.text(of: WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text))) == text)
        let key: WebSocketMaskingKey = [1, 2, 3, 4]
        var data = ByteBuffer(string: text)
        data.webSocketMask(key)
        #expect(ChargerConnection.text(of: WebSocketFrame(fin: true, opcode: .text, maskKey: key, data: data)) == text)
        // Invalid UTF-8 is repaired, as ByteBuffer.readString would.
        var invalid = ByteBuffer(bytes: [0x5B, 0xFF, 0x5D])
        invalid.webSocketMask(key)
        #expect(ChargerConnection.text(of: WebSocketFrame(fin: true, opcode: .text, maskKey: key, data: invalid)) == "[\u{FFFD}]")
    }
}
