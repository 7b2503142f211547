import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import SwiftASN1
import X509

/// A raw WebSocket handshake over TLS (NIOSSL): returns the server certificate's serial and the HTTP response head,
/// so tests see the status (101 or 401) and which certificate a new handshake got.
enum TLSProbe {
    struct Answer: Sendable {
        var serverSerial: String
        var head: String
        var version: TLSVersion?
    }

    static func handshake(
        port: Int,
        id: String,
        ca: String,
        clientCertificate: TestPKI.Issued? = nil,
        authorization: String? = nil,
        configure: (inout TLSConfiguration) -> Void = { _ in }
    ) async throws -> Answer {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.trustRoots = .file(ca)
        configuration.certificateVerification = .noHostnameVerification
        if let clientCertificate {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(clientCertificate.certificate).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: clientCertificate.key, format: .pem))
        }
        configure(&configuration)
        let context = try NIOSSLContext(configuration: configuration)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: nil))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        var request = "GET /ocpp/\(id) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ocpp1.6\r\n"
        if let authorization { request += "Authorization: \(authorization)\r\n" }
        request += "\r\n"
        // The client handshake starts when the channel is active; read the server's certificate once it is done,
        // before a refusal closes the channel (which removes the TLS handler).
        var serverSerial = "none"
        var version: TLSVersion?
        for _ in 0..<200 {
            if let peer = try await channel.channel.nioSSL_peerCertificate().get() {
                serverSerial = "\(try Certificate(derEncoded: try peer.toDERBytes()).serialNumber)"
                version = try await channel.channel.nioSSL_tlsVersion().get()
                break
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        let head = try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: request))
            var text = ""
            for try await var chunk in inbound {
                text += chunk.readString(length: chunk.readableBytes) ?? ""
                if let end = text.range(of: "\r\n\r\n") { return String(text[..<end.lowerBound]) }
            }
            return text
        }
        return Answer(serverSerial: serverSerial, head: head, version: version)
    }

}
