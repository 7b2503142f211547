import Hummingbird
import Logging
import Shared

/// The alerts' routes: the list with each sink's counters, and a test message through one sink.
extension ControlRouter {
    func addAlertRoutes(to router: Router<ControlRequestContext>) {
        router.get("/v1/alerts") { request, context in
            var records = try await alerts.records(openOnly: Self.flag(request, "open"))
            if let visible = await visibleChargers(context) {
                records.alerts = records.alerts.filter { $0.charger.map(visible) ?? false }
            }
            return try ControlJSON.response(records)
        }
        router.post("/v1/alerts/test/:sink") { _, context in
            // An agent's token acts on its chargers only; sinks are the operator's.
            guard context.agent == nil else { throw ControlError(.forbidden, "alert sinks are the operator's: use the socket or an operator token") }
            let name = try Self.parameter(context, "sink")
            guard let result = await alerts.test(sink: name) else {
                let known = alerts.sinks.map(\.settings.name)
                throw ControlError(.notFound, "no alert sink \(name) (configured: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
            }
            logger.info("alert test", metadata: ["sink": "\(name)", "delivered": "\(result.delivered)"])
            return try ControlJSON.response(result)
        }
    }
}
