/// Why the control plane could not do what was asked; the body of every non-2xx answer.
public struct ControlError: Error, Codable, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Codable, Sendable, CaseIterable {
        /// Bad path, query or body (an invalid OCPP payload names the member).
        case badRequest
        case unauthorized
        /// Token management over HTTP, or a token without access.
        case forbidden
        case notFound
        /// No such charger in the database and not connected.
        case unknownCharger
        case notConnected
        /// The charger's connection closed while the command waited or was in flight.
        case disconnected
        case timeout
        case shuttingDown
        case internalError
    }

    public var error: Code
    public var message: String

    public init(_ error: Code, _ message: String) {
        self.error = error
        self.message = message
    }

    public var description: String { message }

    public var httpStatus: Int {
        switch error {
        case .badRequest: 400
        case .unauthorized: 401
        case .forbidden: 403
        case .notFound, .unknownCharger: 404
        case .notConnected, .disconnected: 409
        case .timeout: 504
        case .shuttingDown: 503
        case .internalError: 500
        }
    }

    /// The ocpp-ctl exit code (cli.md): 2 usage, 3 unknown or not connected, 4 no answer in time, 1 otherwise.
    public var exitCode: Int32 {
        switch error {
        case .badRequest: 2
        case .unknownCharger, .notConnected, .disconnected, .shuttingDown: 3
        case .timeout: 4
        case .unauthorized, .forbidden, .notFound, .internalError: 1
        }
    }
}
