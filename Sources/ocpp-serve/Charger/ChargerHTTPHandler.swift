import NIOCore
import NIOHTTP1
import NIOSSL
import NIOWebSocket

/// Plain HTTP on the charger port: `GET /health` answers `ok`, a refused WebSocket handshake gets 400 (the reason is
/// in the server log) or 401 with a Basic challenge when its credentials were refused, anything else 404. Each answer closes the connection; chargers do not talk plain HTTP.
/// Removed from the pipeline when a WebSocket upgrade succeeds.
final class ChargerHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var answer: (status: HTTPResponseStatus, body: String)?
    /// Set by the endpoint when the handshake's Basic credentials were refused (before the request reaches here).
    private var unauthorized = false

    func refuseUnauthorized() { unauthorized = true }

    /// Whether this connection came in on the TLS port (Security Profiles 2 and 3).
    let overTLS: Bool
    /// The client certificate chain presented in the TLS handshake (leaf first), checked at the upgrade.
    var presentedChain: [NIOSSLCertificate]?
    /// Told about a failed TLS handshake (no charger id is known yet), once per connection.
    private let tlsFailure: (@Sendable (String) -> Void)?
    private var reportedTLSFailure = false

    init(overTLS: Bool = false, tlsFailure: (@Sendable (String) -> Void)? = nil) {
        self.overTLS = overTLS
        self.tlsFailure = tlsFailure
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            if unauthorized {
                answer = (.unauthorized, "authentication required: the server log says why\n")
            } else if head.headers.contains(name: "Upgrade") {
                answer = (.badRequest, "WebSocket upgrade refused: the server log says why\n")
            } else if head.method == .GET, path == "/health" {
                answer = (.ok, "ok\n")
            } else {
                answer = (.notFound, "not found\n")
            }
        case .body:
            break
        case .end:
            guard let answer else { return }
            self.answer = nil
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
            headers.add(name: "Content-Length", value: "\(answer.body.utf8.count)")
            headers.add(name: "Connection", value: "close")
            if answer.status == .unauthorized { headers.add(name: "WWW-Authenticate", value: #"Basic realm="ocpp""#) }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: answer.status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: answer.body)))), promise: nil)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A refused upgrade arrives here as an error and then as a plain request, which gets the 400.
        if error is NIOWebSocketUpgradeError { return }
        // Only failed handshakes (version, suite, the charger refusing our certificate); a peer that just closes
        // the TCP connection (a port check) is not worth a warning.
        if overTLS, !reportedTLSFailure, case .handshakeFailed(let reason)? = error as? NIOSSLError {
            reportedTLSFailure = true
            tlsFailure?("\(reason)")
        }
        context.close(promise: nil)
    }
}
