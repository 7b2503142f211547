/// How one sink hands a message on (an I/O edge: a command, an HTTP request); throws when it was not taken.
protocol AlertDelivery: Sendable {
    func deliver(_ message: AlertMessage, sink: String) async throws
}

struct AlertDeliveryError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
