import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import Shared
import Synchronization

/// A fleet of scripted chargers against any OCPP 1.6J central system: each connects, boots, reports status, runs one
/// session (authorize, start, meter values, stop) and then stays connected idle. Used by scripts/run.sh as the
/// stand-in fleet until ocpp-sim lands, and by scripts/bench.sh for server figures.
struct Fleet {
    var url: String
    var chargers: Int
    var prefix: String
    var samples: Int
    var sampleInterval: Duration
    var idle: Duration
    var serverPID: Int32?

    final class Tally: Sendable {
        let state = Mutex(State())
        struct State {
            var messages = 0
            var errors = 0
            var latenciesMicros: [Int] = []
            var booted = 0
            var sessions = 0
            var energyWh = 0
            var allBooted: ContinuousClock.Instant?
            var rssAtBootKiB: Int?
        }
    }

    func run() async -> Bool {
        let tally = Tally()
        let clock = ContinuousClock()
        let start = clock.now
        let cpuBefore = serverPID.flatMap(ProcFS.cpuMicros)
        await withTaskGroup(of: Void.self) { group in
            for n in 1...max(chargers, 1) {
                let id = prefix + String(format: "%04d", n)
                group.addTask {
                    await runCharger(id: id, tally: tally) {
                        let booted = tally.state.withLock { $0.booted += 1; return $0.booted }
                        if booted == chargers {
                            let rss = serverPID.flatMap(ProcFS.rssKiB)
                            tally.state.withLock {
                                $0.allBooted = clock.now
                                $0.rssAtBootKiB = rss
                            }
                        }
                    }
                }
            }
        }
        let elapsed = clock.now - start
        let cpuAfter = serverPID.flatMap(ProcFS.cpuMicros)
        let state = tally.state.withLock { $0 }
        let sorted = state.latenciesMicros.sorted()
        func percentile(_ p: Double) -> Double {
            sorted.isEmpty ? 0 : Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1000
        }
        print("chargers \(chargers), booted \(state.booted), sessions \(state.sessions), messages \(state.messages), errors \(state.errors)")
        if let booted = state.allBooted {
            print(String(format: "connect+boot of all chargers: %.2f s", Double((booted - start).components.seconds) + Double((booted - start).components.attoseconds) / 1e18))
        }
        print(String(format: "round trip ms: p50 %.2f  p99 %.2f  max %.2f", percentile(0.5), percentile(0.99), percentile(1.0)))
        print("energy delivered (simulated): \(state.energyWh) Wh; wall time \(elapsed)")
        if let rss = state.rssAtBootKiB { print("server RSS with all chargers connected: \(rss) KiB") }
        if let before = cpuBefore, let after = cpuAfter, state.messages > 0 {
            print(String(format: "server CPU: %.1f µs per message", Double(after - before) / Double(state.messages)))
        }
        fflush(nil)
        return state.errors == 0 && state.booted == chargers
    }

    private func runCharger(id: String, tally: Tally, onBoot: @escaping @Sendable () -> Void) async {
        var logger = Logger(label: "fleet")
        logger.logLevel = .critical
        var headers = HTTPFields()
        headers[.secWebSocketProtocol] = "ocpp1.6"
        let samples = self.samples
        let sampleInterval = self.sampleInterval
        let idle = self.idle
        do {
            try await WebSocketClient.connect(url: "\(url)/\(id)", configuration: .init(maxFrameSize: 1 << 20, additionalHeaders: headers), logger: logger) {
                inbound, outbound, _ in
                var replies = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                var counter = 0
                func call(_ action: String, _ payload: JSONValue) async throws -> JSONValue {
                    counter += 1
                    let messageID = "\(counter)"
                    let sent = ContinuousClock.now
                    try await outbound.write(.text(RPCCall(messageID: messageID, action: action, payload: payload).serialized()))
                    while let message = try await replies.next() {
                        guard case .text(let text) = message, let frame = try? JSONParser.parse(text).arrayValue, frame.count >= 3,
                            frame[1] == .string(messageID)
                        else { continue }
                        let micros = (ContinuousClock.now - sent).components.attoseconds / 1_000_000_000_000 + (ContinuousClock.now - sent).components.seconds * 1_000_000
                        tally.state.withLock {
                            $0.messages += 1
                            $0.latenciesMicros.append(Int(micros))
                            if frame[0] != 3 { $0.errors += 1 }
                        }
                        return frame[2]
                    }
                    throw FleetError.closed
                }
                _ = try await call("BootNotification", ["chargePointVendor": "ocpp-tools", "chargePointModel": "fleet-7kW"])
                onBoot()
                _ = try await call("StatusNotification", ["connectorId": 1, "errorCode": "NoError", "status": "Available"])
                guard samples > 0 else {
                    try await Task.sleep(for: idle)
                    return
                }
                _ = try await call("StatusNotification", ["connectorId": 1, "errorCode": "NoError", "status": "Preparing"])
                _ = try await call("Authorize", ["idTag": "FLEET"])
                let meterStart = 1000
                let started = try await call("StartTransaction", ["connectorId": 1, "idTag": "FLEET", "meterStart": .number(JSONNumber(meterStart)), "timestamp": .string(Timestamp.now.description)])
                let transactionID = started["transactionId"]?.numberValue?.int ?? 0
                var energy = meterStart
                for _ in 0..<samples {
                    try await Task.sleep(for: sampleInterval)
                    energy += 120  // 7.2 kW for one simulated minute
                    _ = try await call("MeterValues", [
                        "connectorId": 1, "transactionId": .number(JSONNumber(transactionID)),
                        "meterValue": [["timestamp": .string(Timestamp.now.description), "sampledValue": [
                            ["value": .string(String(energy)), "measurand": "Energy.Active.Import.Register", "unit": "Wh"],
                            ["value": "7200", "measurand": "Power.Active.Import", "unit": "W"],
                            ["value": "31.3", "measurand": "Current.Import", "phase": "L1", "unit": "A"],
                        ]]],
                    ])
                }
                _ = try await call("StopTransaction", ["transactionId": .number(JSONNumber(transactionID)), "meterStop": .number(JSONNumber(energy)), "timestamp": .string(Timestamp.now.description), "reason": "EVDisconnected"])
                _ = try await call("StatusNotification", ["connectorId": 1, "errorCode": "NoError", "status": "Available"])
                tally.state.withLock {
                    $0.sessions += 1
                    $0.energyWh += energy - meterStart
                }
                try await Task.sleep(for: idle)
            }
        } catch {
            tally.state.withLock { $0.errors += 1 }
        }
    }
}

enum FleetError: Error {
    case closed
}

/// Figures of another process from /proc (Linux).
enum ProcFS {
    /// utime + stime in microseconds.
    static func cpuMicros(_ pid: Int32) -> Int? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let utime = Int(fields[11]), let stime = Int(fields[12]) else { return nil }
        let ticks = sysconf(Int32(_SC_CLK_TCK))
        return (utime + stime) * 1_000_000 / max(ticks, 1)
    }

    static func rssKiB(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "")
        }
        return nil
    }
}
