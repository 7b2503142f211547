import Hummingbird
import Logging
import Prometheus
import Shared

/// `GET /metrics` in the Prometheus text format, without a token (a Prometheus server scrapes it; it names charger
/// ids and counts, no tags, tokens or transaction ids). Gauges that mirror the store (open transactions, connectors
/// by status) are read at scrape time, so they are right after a restart and cost nothing per message.
struct MetricsEndpoint: Sendable {
    let registry: PrometheusCollectorRegistry
    let metrics: ServerMetrics
    let database: any SQLStore
    let logger: Logger

    func response() async -> Response {
        do {
            let (active, connectors) = try await database.read { db -> (Int, [String: Int]) in
                let active = try db.fetchValue(Int.self, sql: "SELECT count(*) FROM transactions WHERE stop_ms IS NULL AND stale = 0 AND orphan = 0") ?? 0
                var connectors: [String: Int] = [:]
                for row in try db.fetchAll(sql: "SELECT status, count(*) AS n FROM connectors GROUP BY status") {
                    connectors[row["status"]] = row["n"]
                }
                return (active, connectors)
            }
            metrics.setStoreGauges(activeTransactions: active, connectors: connectors)
        } catch {
            // Still answer: the counters are in memory; the store gauges keep their last values.
            logger.warning("metrics: cannot read the store", metadata: ["error": "\(error)"])
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16_384)
        registry.emit(into: &buffer)
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: buffer))
        )
    }
}
