import Foundation
import Glibc
import Synchronization
import UnixSignals

/// Runs a fleet until `--duration` ends, the scenario's sessions are all done, or SIGINT/SIGTERM; then reports.
struct FleetRunner: Sendable {
    var context: FleetContext
    var chargers: Int
    var prefix: String
    var firstNumber: Int
    var duration: Double?

    static func chargerID(prefix: String, number: Int) -> String {
        prefix + (number < 10_000 ? String(format: "%04d", number) : String(number))
    }

    func run() async -> FleetReport {
        let started = ContinuousClock.now
        let fleet = (0..<chargers).map {
            SimulatedCharger(id: Self.chargerID(prefix: prefix, number: firstNumber + $0), index: $0, context: context)
        }
        await withTaskGroup(of: Void.self) { group in
            for charger in fleet { group.addTask { await charger.run() } }
            group.addTask { await waitForEnd(started: started) }
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) { return }
            }
            // The chargers run until cancelled: the first task to return is the end condition or a signal.
            _ = await group.next()
            await context.gate.open()
            await withTaskGroup(of: Void.self) { closing in
                for charger in fleet { closing.addTask { await charger.shutdown() } }
            }
            group.cancelAll()
        }
        var records: [FleetStats.SessionRecord] = []
        for charger in fleet { records += await charger.records.map(\.record) }
        return report(records: records, wall: ContinuousClock.now - started)
    }

    private func waitForEnd(started: ContinuousClock.Instant) async {
        let deadline = duration.map { started + .milliseconds(Int64($0 * 1000)) }
        let finite = context.scenario.sessionsPerCharger.map { $0 > 0 } ?? false
        while !Task.isCancelled {
            if let deadline, ContinuousClock.now >= deadline { return }
            if finite && context.stats.finishedCount >= chargers { return }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    private func report(records: [FleetStats.SessionRecord], wall: Duration) -> FleetReport {
        let state = context.stats.state.withLock { $0 }
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        var problems = state.problems
        if state.booted < chargers { problems.insert("\(chargers - state.booted) of \(chargers) chargers never booted", at: 0) }
        let ended = records.filter { !$0.stopReason.isEmpty }
        return FleetReport(
            chargers: chargers, template: context.template.name, scenario: context.scenario.name, speed: context.clock.speed, seed: context.seed,
            quirks: context.quirks.map(\.rawValue).sorted(),
            wallSeconds: Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18, booted: state.booted,
            allBootedSeconds: state.allBootedAfter,
            messages: .init(
                sent: state.sent, answered: state.answered, callErrors: state.callErrors, invalidAnswers: state.invalidAnswers, timeouts: state.timeouts,
                discarded: state.discarded
            ),
            centralSystemCalls: state.received, centralSystemCallsAnswered: state.receivedAnswered,
            latencyMs: FleetReport.percentiles(state.latenciesMicros), sessionCount: ended.count,
            energyKWh: (ended.reduce(0) { $0 + $1.energyWh } / 10).rounded() / 100, cpuSeconds: (cpu * 100).rounded() / 100,
            maxRSSKiB: Int(usage.ru_maxrss), sessions: records, problems: problems
        )
    }
}
