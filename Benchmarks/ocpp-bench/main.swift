// ocpp-bench: hot-path figures for BENCHMARKS.md. Build and run in release mode: `scripts/bench.sh`.
//
// Each figure is the median over rounds of the mean time per operation within a round.
import Foundation
import Shared

let arguments = CommandLine.arguments.dropFirst()
func option(_ name: String, default value: Int) -> Int {
    guard let i = arguments.firstIndex(of: name), arguments.index(after: i) < arguments.endIndex,
        let n = Int(arguments[arguments.index(after: i)])
    else { return value }
    return n
}
if arguments.contains("--help") {
    print(
        """
        usage: ocpp-bench [--rounds N] [--iterations N]
               ocpp-bench --replay TRACE.jsonl...
               ocpp-bench --fleet URL [--chargers N] [--prefix ID] [--samples N] [--sample-interval MS] [--idle S] [--server-pid PID]
               ocpp-bench --report-db PATH-OR-POSTGRES-URL [--meter-values N] [--month YYYY-MM]
               ocpp-bench --limits N [--rounds N]
               ocpp-bench --pbkdf2 [ROUNDS] [--checks N]
        Without a mode: nanoseconds per operation on the OCPP frame hot path (build with -c release).
        --replay: read charger traces through the protocol module, printing each frame's verdict and repairs.
        --fleet: scripted chargers against a central system (boot, status, one session, then idle); prints
        messages, errors, round-trip percentiles and, with --server-pid, the server's RSS and CPU per message.
        --report-db: a store database with a month of sessions and N meter values (default 10 000 000, month
        2026-11) for timing ocpp-report (scripts/bench-report.sh): an SQLite file, or an empty PostgreSQL database
        (postgres://user@host:port/db) filled with the same rows.
        --limits: the limit model's share of a re-balance of a group of N chargers with one session each (time and
        CALLs), as ocpp-serve computes it when a session starts (scripts/bench-limits.sh runs the whole path).
        --pbkdf2: milliseconds per Security Profile 1 password check (PBKDF2-HMAC-SHA256, default 32768 rounds).
        """
    )
    exit(0)
}

if let i = arguments.firstIndex(of: "--report-db"), arguments.index(after: i) < arguments.endIndex {
    let month = arguments.firstIndex(of: "--month").flatMap { j in arguments.index(after: j) < arguments.endIndex ? arguments[arguments.index(after: j)] : nil }
    let target = arguments[arguments.index(after: i)]
    do {
        if target.hasPrefix("postgres://") || target.hasPrefix("postgresql://") {
            try await ReportDatabase.generatePostgres(url: target, meterValues: option("--meter-values", default: 10_000_000), month: month ?? "2026-11")
        } else {
            try ReportDatabase.generate(path: target, meterValues: option("--meter-values", default: 10_000_000), month: month ?? "2026-11")
        }
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("ocpp-bench: \(error)\n".utf8))
        exit(1)
    }
}

if arguments.contains("--pbkdf2") {
    PBKDF2Bench(rounds: option("--pbkdf2", default: 32_768), checks: option("--checks", default: 50)).run()
    exit(0)
}

if arguments.contains("--limits") {
    LimitBench(chargers: option("--limits", default: 1000), rounds: option("--rounds", default: 7)).run()
    exit(0)
}

if let i = arguments.firstIndex(of: "--fleet"), arguments.index(after: i) < arguments.endIndex {
    func text(_ name: String, default value: String) -> String {
        guard let j = arguments.firstIndex(of: name), arguments.index(after: j) < arguments.endIndex else { return value }
        return arguments[arguments.index(after: j)]
    }
    let fleet = Fleet(
        url: arguments[arguments.index(after: i)],
        chargers: option("--chargers", default: 10),
        prefix: text("--prefix", default: "SIM"),
        samples: option("--samples", default: 5),
        sampleInterval: .milliseconds(option("--sample-interval", default: 200)),
        idle: .seconds(option("--idle", default: 0)),
        serverPID: Int32(text("--server-pid", default: ""))
    )
    exit(await fleet.run() ? 0 : 1)
}
/// `--replay FILE...`: read charger traces (`{"dir","charger","frame"}` per line) through the protocol module and
/// print each frame's verdict and repairs; used by scripts/run.sh until the server exists.
if let i = arguments.firstIndex(of: "--replay") {
    var failures = 0
    for path in arguments[arguments.index(after: i)...] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            var err = StandardError()
            print("ocpp-bench: cannot read \(path)", to: &err)
            exit(2)
        }
        for line in text.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let record = try? JSONParser.parse(String(line)), let frame = record["frame"] else { continue }
            switch RPCFrameParser.parse(frame.serialized()) {
            case .frame(.call(let call), _, var repairs):
                do {
                    let validated = try PayloadValidator.validateRequest(call, mode: .lenient)
                    _ = try validated.decodeRequest()
                    repairs += validated.repairs
                    print("\(record["charger"]?.stringValue ?? "?") \(call.action) ok" + (repairs.isEmpty ? "" : " repairs: \(repairs.map(\.description).joined(separator: "; "))"))
                } catch {
                    failures += 1
                    print("\(record["charger"]?.stringValue ?? "?") \(call.action) CALLERROR \(error.code.rawValue): \(error.description)")
                }
            case let other:
                print("not a CALL: \(other)")
            }
        }
    }
    exit(failures == 0 ? 0 : 1)
}
let rounds = option("--rounds", default: 9)
let iterations = option("--iterations", default: 20000)

/// A MeterValues CALL with ten sampled values: three-phase current and voltage, power, energy, SoC, temperature.
let meterValuesFrame: String = {
    let samples = [
        #"{"value":"15.92","context":"Sample.Periodic","measurand":"Current.Import","phase":"L1","location":"Outlet","unit":"A"}"#,
        #"{"value":"15.87","context":"Sample.Periodic","measurand":"Current.Import","phase":"L2","location":"Outlet","unit":"A"}"#,
        #"{"value":"15.95","context":"Sample.Periodic","measurand":"Current.Import","phase":"L3","location":"Outlet","unit":"A"}"#,
        #"{"value":"231.4","context":"Sample.Periodic","measurand":"Voltage","phase":"L1-N","location":"Outlet","unit":"V"}"#,
        #"{"value":"230.9","context":"Sample.Periodic","measurand":"Voltage","phase":"L2-N","location":"Outlet","unit":"V"}"#,
        #"{"value":"232.1","context":"Sample.Periodic","measurand":"Voltage","phase":"L3-N","location":"Outlet","unit":"V"}"#,
        #"{"value":"11043","context":"Sample.Periodic","measurand":"Power.Active.Import","location":"Outlet","unit":"W"}"#,
        #"{"value":"1523.408","context":"Sample.Periodic","measurand":"Energy.Active.Import.Register","location":"Outlet","unit":"kWh"}"#,
        #"{"value":"64","context":"Sample.Periodic","measurand":"SoC","location":"EV","unit":"Percent"}"#,
        #"{"value":"31.5","context":"Sample.Periodic","measurand":"Temperature","location":"Body","unit":"Celsius"}"#,
    ]
    return #"[2,"4f1c2a9e-1b7d-4c55-9a1e-7d3f0b8e2c61","MeterValues",{"connectorId":2,"transactionId":1843,"meterValue":[{"timestamp":"2026-11-25T08:15:00.000Z","sampledValue":["#
        + samples.joined(separator: ",") + "]}]}]"
}()

struct Measurement {
    var name: String
    var nanoseconds: Double
}

@inline(never)
func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }

func measure(_ name: String, iterations: Int = iterations, _ body: () throws -> Void) rethrows -> Measurement {
    let clock = ContinuousClock()
    var perRound: [Double] = []
    for _ in 0..<rounds {
        let start = clock.now
        for _ in 0..<iterations { try body() }
        let elapsed = clock.now - start
        let ns = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        perRound.append(ns / Double(iterations))
    }
    perRound.sort()
    return Measurement(name: name, nanoseconds: perRound[perRound.count / 2])
}

enum BenchFailure: Error { case unexpected(String) }

/// The whole path a charger's MeterValues takes before storage: frame read, lenient validation, typed model, reply.
func fullPath() throws -> String {
    guard case .frame(.call(let call), _, _) = RPCFrameParser.parse(meterValuesFrame) else { throw BenchFailure.unexpected("parse") }
    let validated = try PayloadValidator.validateRequest(call, mode: .lenient)
    let request = try MeterValuesRequest(json: validated.payload)
    blackHole(request)
    return RPCCallResult(messageID: call.messageID, MeterValuesResponse()).serialized()
}

do {
    print("frame: MeterValues CALL, 10 sampled values, \(meterValuesFrame.utf8.count) bytes; \(rounds) rounds x \(iterations) iterations")
    _ = try fullPath()
    var results: [Measurement] = []
    results.append(try measure("decode+validate+typed model+encode reply (full path)") { blackHole(try fullPath()) })
    results.append(measure("  frame read (RPCFrameParser, JSON tree)") { blackHole(RPCFrameParser.parse(meterValuesFrame)) })
    guard case .frame(.call(let call), _, _) = RPCFrameParser.parse(meterValuesFrame) else { throw BenchFailure.unexpected("parse") }
    results.append(try measure("  lenient validation") { blackHole(try PayloadValidator.validateRequest(call, mode: .lenient)) })
    results.append(try measure("  strict validation") { blackHole(try PayloadValidator.validateRequest(call, mode: .strict)) })
    results.append(try measure("  typed model from JSON tree") { blackHole(try MeterValuesRequest(json: call.payload)) })
    results.append(measure("  reply encode (CALLRESULT {})") { blackHole(RPCCallResult(messageID: call.messageID, MeterValuesResponse()).serialized()) })
    let request = try MeterValuesRequest(json: call.payload)
    results.append(measure("  re-encode the typed request as a CALL") { blackHole(RPCCall(messageID: call.messageID, request).serialized()) })
    let data = Data(meterValuesFrame.utf8)
    results.append(measure("baseline: Foundation JSONSerialization.jsonObject", iterations: iterations / 4) { blackHole(try? JSONSerialization.jsonObject(with: data)) })
    let payloadData = Data(call.payload.serialized().utf8)
    let decoder = JSONDecoder()
    results.append(measure("baseline: Foundation JSONDecoder -> MeterValuesRequest", iterations: iterations / 4) { blackHole(try? decoder.decode(MeterValuesRequest.self, from: payloadData)) })
    for r in results {
        let padded = r.name.padding(toLength: 58, withPad: " ", startingAt: 0)
        print("\(padded) \(String(format: "%8.0f", r.nanoseconds)) ns/frame")
    }
} catch {
    var err = StandardError()
    print("ocpp-bench: \(error)", to: &err)
    exit(1)
}
