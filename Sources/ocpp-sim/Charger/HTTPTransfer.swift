import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The file transfers of GetLog and SignedUpdateFirmware over http:// and https:// (other schemes fail, as on a
/// charger that supports only HTTP).
enum HTTPTransfer {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func supports(_ location: String) -> Bool {
        guard let scheme = URL(string: location)?.scheme?.lowercased() else { return false }
        return scheme == "http" || scheme == "https"
    }

    /// GET: the body of a 2xx answer.
    static func download(_ location: String, timeout: Double = 30) async throws -> Data {
        guard supports(location), let url = URL(string: location) else { throw Failure(description: "unsupported location \(location)") }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "GET"
        return try await perform(request, body: nil)
    }

    /// PUT of `body` to the location (a directory URL ending in / gets `filename` appended).
    static func upload(_ body: Data, filename: String, to location: String, timeout: Double = 30) async throws {
        guard supports(location), var url = URL(string: location) else { throw Failure(description: "unsupported location \(location)") }
        if location.hasSuffix("/") { url = url.appendingPathComponent(filename) }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "PUT"
        request.setValue("text/plain", forHTTPHeaderField: "Content-Type")
        _ = try await perform(request, body: body)
    }

    private static func perform(_ request: URLRequest, body: Data?) async throws -> Data {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Data, any Error>) in
            let handler: @Sendable (Data?, URLResponse?, (any Error)?) -> Void = { data, response, error in
                if let error { return continuation.resume(throwing: error) }
                guard let status = (response as? HTTPURLResponse)?.statusCode, (200..<300).contains(status) else {
                    let code = (response as? HTTPURLResponse)?.statusCode ?? 0
                    return continuation.resume(throwing: Failure(description: "HTTP \(code) from \(request.url?.absoluteString ?? "?")"))
                }
                continuation.resume(returning: data ?? Data())
            }
            let task: URLSessionTask
            if let body {
                task = URLSession.shared.uploadTask(with: request, from: body, completionHandler: handler)
            } else {
                task = URLSession.shared.dataTask(with: request, completionHandler: handler)
            }
            task.resume()
        }
    }
}
