import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Shared

/// Talks to ocpp-serve's control API: over the Unix socket by default, or over HTTP with a bearer token
/// (`--url`, `--token`). Every failure maps to an exit code of cli.md: 5 server unreachable, 4 no answer in time,
/// 3 charger unknown or offline, 2 usage, 1 refused.
struct ControlClient: Sendable {
    enum Endpoint: Sendable {
        case socket(path: String)
        case http(baseURL: String, token: String?)
    }

    let endpoint: Endpoint
    /// Seconds a charger command may take; the server enforces it, the client adds a margin.
    let timeout: Double
    /// PEM CA file trusted for an https:// base URL (nil: the system's roots).
    var trustedCAFile: String? = nil

    private func url(_ path: String) -> String {
        switch endpoint {
        case .socket(let socketPath):
            // http+unix://<percent-encoded socket path><request path>
            return "http+unix://" + ControlAPI.segment(socketPath) + path
        case .http(let base, _):
            return (base.hasSuffix("/") ? String(base.dropLast()) : base) + path
        }
    }

    private var target: String {
        switch endpoint {
        case .socket(let path): "the control socket \(path)"
        case .http(let base, _): base
        }
    }

    /// Runs `body` with a client that is shut down afterwards (AsyncHTTPClient requires it).
    func withHTTPClient<T: Sendable>(_ body: (HTTPClient) async throws -> T) async throws -> T {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: nil)
        if let trustedCAFile {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.minimumTLSVersion = .tlsv12
            tls.trustRoots = .file(trustedCAFile)
            configuration.tlsConfiguration = tls
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let value = try await body(client)
            try? await client.shutdown()
            return value
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private func request(_ method: HTTPMethod, _ path: String, body: [UInt8]?) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url(path))
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: ControlAPI.userHeader, value: ProcessInfo.processInfo.environment["USER"] ?? "uid\(getuid())")
        if case .http(_, let token?) = endpoint { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        return request
    }

    /// One request; returns the body of a 2xx answer, throws `CtlFailure` otherwise.
    func send(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, waitSeconds: Double? = nil) async throws -> [UInt8] {
        try await withHTTPClient { client in
            let response: HTTPClientResponse
            do {
                response = try await client.execute(request(method, path, body: body), timeout: .milliseconds(Int64(((waitSeconds ?? 30) + 10) * 1000)))
            } catch let error as HTTPClientError where error == .deadlineExceeded {
                throw CtlFailure(4, "no answer from \(target) in time")
            } catch {
                throw CtlFailure.unreachable("cannot reach ocpp-serve at \(target): \(Self.reason(error)) (is the server running? see --socket / OCPP_SOCKET)")
            }
            let bytes = try await Array(response.body.collect(upTo: 64 << 20).readableBytesView)
            guard (200..<300).contains(Int(response.status.code)) else { throw Self.failure(status: Int(response.status.code), body: bytes) }
            return bytes
        }
    }

    func get<T: Decodable>(_ type: T.Type, _ path: String) async throws -> T {
        try Self.decode(type, try await send(.GET, path))
    }

    /// Streams a newline-delimited answer, calling `line` per line until the server ends it (or forever with follow).
    func stream(_ path: String, line: @Sendable (String) throws -> Void) async throws {
        try await withHTTPClient { client in
            let response: HTTPClientResponse
            do {
                response = try await client.execute(request(.GET, path, body: nil), timeout: .seconds(30))
            } catch {
                throw CtlFailure.unreachable("cannot reach ocpp-serve at \(target): \(Self.reason(error)) (is the server running? see --socket / OCPP_SOCKET)")
            }
            guard (200..<300).contains(Int(response.status.code)) else {
                throw Self.failure(status: Int(response.status.code), body: try await Array(response.body.collect(upTo: 1 << 20).readableBytesView))
            }
            var pending: [UInt8] = []
            for try await chunk in response.body {
                pending += chunk.readableBytesView
                while let newline = pending.firstIndex(of: 0x0A) {
                    try line(String(decoding: pending[..<newline], as: UTF8.self))
                    pending.removeSubrange(...newline)
                }
            }
            if !pending.isEmpty { try line(String(decoding: pending, as: UTF8.self)) }
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw CtlFailure(1, "unexpected answer from the server: \(String(decoding: bytes.prefix(200), as: UTF8.self))")
        }
    }

    static func encode(_ value: some Encodable) -> [UInt8] {
        (try? Array(JSONEncoder().encode(value))) ?? Array("{}".utf8)
    }

    private static func failure(status: Int, body: [UInt8]) -> CtlFailure {
        if let error = try? JSONDecoder().decode(ControlError.self, from: Data(body)) {
            return CtlFailure(error.exitCode, error.message)
        }
        return CtlFailure(status == 404 ? 2 : 1, "the server answered HTTP \(status): \(String(decoding: body.prefix(200), as: UTF8.self))")
    }

    private static func reason(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("No such file") || text.contains("ENOENT") { return "no such socket" }
        if text.contains("refused") { return "connection refused" }
        return text.split(separator: "\n").first.map(String.init) ?? text
    }
}
