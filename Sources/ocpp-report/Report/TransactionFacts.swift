/// What the database says about one transaction, before any judgement: the transactions row and aggregates of its
/// meter values (computed in SQLite).
struct TransactionFacts: Sendable, Hashable {
    var id: Int64
    var chargerID: String
    var connectorID: Int?
    var idTag: String?
    /// Charger time, ms since 1970.
    var startMs: Int64
    var meterStart: Int64?
    var stopMs: Int64?
    var meterStop: Int64?
    var stopReason: String?
    /// Set by ocpp-serve when the charger booted or started another session on the connector without stopping this one.
    var storedStale: Bool
    /// Server time the StartTransaction arrived.
    var receivedMs: Int64
    var register: RegisterStats?
    /// Largest Power.Active.Import sample (W); the sum of the phases when no total is sent.
    var measuredMaxPowerW: Double?
    var socStart: Double?
    var socEnd: Double?
    /// The connector reported it was free (Available, Preparing, Finishing, Reserved, Unavailable) after this open
    /// transaction's last meter value.
    var connectorFreedLater = false
}

/// Aggregates of a transaction's Energy.Active.Import.Register samples (total, not per phase), in time order, as
/// stored (Wh, before any unit correction).
struct RegisterStats: Sendable, Hashable {
    var count: Int
    var firstAtMs: Int64
    var lastAtMs: Int64
    var first: Double
    /// The last sample's value, kept as stored rather than summed back from the rises and falls, so `sessions`
    /// shows exactly the reading the charger sent.
    var last: Double
    /// Sum of the rises between consecutive samples.
    var rise: Double
    /// Number of times the register fell between consecutive samples.
    var drops: Int
    /// Sum of the values right after each fall (energy counted from zero after a reset).
    var afterDrops: Double
    /// Sum of the falls.
    var dropDepth: Double
    /// Largest, sum and count of the intervals between consecutive samples (ms).
    var maxIntervalMs: Int64
    var sumIntervalMs: Int64
    var intervals: Int
    /// Largest power implied by a rise between consecutive samples (W, before unit correction).
    var maxDerivedPowerW: Double?
}

extension RegisterStats {
    /// The aggregates of a transaction's first sample.
    init(atMs: Int64, value: Double) {
        self.init(
            count: 1,
            firstAtMs: atMs,
            lastAtMs: atMs,
            first: value,
            last: value,
            rise: 0,
            drops: 0,
            afterDrops: 0,
            dropDepth: 0,
            maxIntervalMs: 0,
            sumIntervalMs: 0,
            intervals: 0,
            maxDerivedPowerW: nil
        )
    }

    /// Folds in the next sample (time order); `previous` is the value of the sample before it. One fold serves the
    /// streaming SQL pass (`ReportStore`) and the in-memory one (`curve`, tests), so they cannot drift apart.
    mutating func add(atMs: Int64, value: Double, previous: Double) {
        let dt = atMs - lastAtMs
        let dv = value - previous
        if dv > 0 { rise += dv }
        if dv < 0 {
            drops += 1
            afterDrops += value
            dropDepth -= dv
        }
        if dt > 0 && dv >= 0 { maxDerivedPowerW = max(maxDerivedPowerW ?? 0, dv * 3_600_000 / Double(dt)) }
        maxIntervalMs = intervals == 0 ? dt : max(maxIntervalMs, dt)
        sumIntervalMs += dt
        intervals += 1
        count += 1
        lastAtMs = atMs
        last = value
    }
}
