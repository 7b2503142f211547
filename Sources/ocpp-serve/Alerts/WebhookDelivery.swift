import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Shared

/// POSTs the alert as JSON; a 2xx answer is success. Failed attempts are retried with doubling back-off; each
/// attempt is abandoned after the timeout.
struct WebhookDelivery: AlertDelivery {
    let url: String
    let headers: [String: String]
    let timeoutSeconds: Double
    let attempts: Int
    let retryDelaySeconds: Double
    let client: HTTPClient

    func deliver(_ message: AlertMessage, sink: String) async throws {
        var lastError = "no attempt"
        for attempt in 1...max(1, attempts) {
            if attempt > 1 {
                try await Task.sleep(for: .milliseconds(Int64(retryDelaySeconds * 1000 * Double(1 << min(attempt - 2, 10)))))
            }
            do {
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.headers.add(name: "User-Agent", value: "ocpp-serve/\(ToolkitVersion.current)")
                for (name, value) in headers { request.headers.add(name: name, value: value) }
                request.body = .bytes(ByteBuffer(string: message.json(sink: sink).serialized()))
                let response = try await client.execute(request, timeout: .milliseconds(Int64(timeoutSeconds * 1000)))
                _ = try? await response.body.collect(upTo: 64 << 10)
                if (200..<300).contains(Int(response.status.code)) { return }
                lastError = "HTTP \(response.status.code)"
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                lastError = "\(error)"
            }
        }
        throw AlertDeliveryError("\(url): \(lastError) after \(max(1, attempts)) attempt(s)")
    }
}
