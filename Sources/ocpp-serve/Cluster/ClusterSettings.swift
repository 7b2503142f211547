import Foundation

/// How this node takes part among several ocpp-serve nodes on one PostgreSQL (issue 18).
struct ClusterSettings: Sendable, Equatable {
    var nodeID: String
    /// A lease lasts this long without renewal; renewed every third of it, so one missed renewal costs nothing.
    var leaseMs: Int64
    /// Safety net for missed notifications (a LISTEN connection that dropped and came back): pending remote commands
    /// and answers are also looked for this often.
    var pollMs: Int64 = 1000
    /// The NOTIFY channel every node listens on.
    static let channel = "ocpp_cluster"
    /// `pg_try_advisory_lock` key of the leader (1818 is the migration lock).
    static let leaderLock: Int64 = 1819

    var renewEvery: Duration { .milliseconds(max(leaseMs / 3, 500)) }

    init(nodeID: String, leaseSeconds: Int) {
        self.nodeID = nodeID
        self.leaseMs = Int64(leaseSeconds) * 1000
    }

    /// The settings a PostgreSQL-backed server runs with: `--node-id`, else HOSTNAME-PORT (stable across restarts, so
    /// a restarted node drops the leases of its previous life at once), else with port 0 HOSTNAME-<6 random hex>.
    init(configuration: ServerConfiguration) {
        let id = configuration.nodeID ?? Self.defaultNodeID(port: configuration.port)
        self.init(nodeID: id, leaseSeconds: configuration.leaseSeconds)
    }

    static func defaultNodeID(port: Int, hostname: String = ProcessInfo.processInfo.hostName) -> String {
        let host = String(hostname.split(separator: ".").first ?? "node").filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }.prefix(40)
        let base = host.isEmpty ? "node" : String(host)
        if port != 0 { return "\(base)-\(port)" }
        return "\(base)-\(String(UInt32.random(in: 0...0xFF_FFFF), radix: 16))"
    }

    static func isValidNodeID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64
            && id.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._:-".unicodeScalars.contains($0)) }
    }
}
