import Foundation
import Shared

/// A self-contained SVG chart of a session: power (kW, left axis) over time, the limit in force as a dashed line,
/// and SoC (%, right axis) where reported. No scripts, no external fonts or images: a browser shows it as is.
///
/// The three series are `<path>` elements with ids `power`, `limit` and `soc`; their points are in time order.
struct CurveChart: Sendable {
    var width = 960.0
    var height = 540.0
    var left = 72.0
    var right = 72.0
    var top = 78.0
    var bottom = 56.0

    var plotWidth: Double { width - left - right }
    var plotHeight: Double { height - top - bottom }

    func svg(session: SessionReport, points: [CurvePoint]) -> String {
        let t0 = points.first?.atMs ?? session.startMs
        let t1 = max(points.last?.atMs ?? t0, t0 + 1)
        let peak = points.compactMap { p in [p.powerW, p.limitW].compactMap { $0 }.max() }.max() ?? 0
        let powerMax = Self.niceCeiling(max(peak / 1000, 1))
        func x(_ at: Int64) -> Double { left + plotWidth * Double(at - t0) / Double(t1 - t0) }
        func yPower(_ watts: Double) -> Double { top + plotHeight * (1 - min(max(watts / 1000 / powerMax, 0), 1.05)) }
        func ySoC(_ percent: Double) -> Double { top + plotHeight * (1 - min(max(percent / 100, 0), 1)) }

        var out: [String] = []
        out.append(##"<?xml version="1.0" encoding="UTF-8"?>"##)
        out.append(
            ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(Int(width))" height="\##(Int(height))" viewBox="0 0 \##(Int(width)) \##(Int(height))" font-family="sans-serif" font-size="13">"##
        )
        out.append(##"<rect x="0" y="0" width="\##(Int(width))" height="\##(Int(height))" fill="#ffffff"/>"##)
        let title = "Transaction \(session.transactionID) · \(session.chargerID) connector \(session.connectorID.map(String.init) ?? "?")"
        out.append(##"<text x="\##(left)" y="28" font-size="17" font-weight="bold" fill="#222">\##(Self.escape(title))</text>"##)
        var subtitle =
            Timestamp(milliseconds: session.startMs).description + " – " + (session.stopMs.map { Timestamp(milliseconds: $0).description } ?? "open")
        if let energy = session.energyWh { subtitle += String(format: " · %.2f kWh", energy / 1000) }
        if let power = session.maxPowerW { subtitle += String(format: " · max %.1f kW", power / 1000) }
        if !session.flags.isEmpty { subtitle += " · flags: " + session.flags.map(\.rawValue).joined(separator: ", ") }
        out.append(##"<text x="\##(left)" y="48" fill="#555">\##(Self.escape(subtitle))</text>"##)

        // Grid and axes.
        out.append(##"<g stroke="#e3e3e3" stroke-width="1">"##)
        for i in 0...5 {
            let y = top + plotHeight * Double(i) / 5
            out.append(##"<line x1="\##(left)" y1="\##(Self.f(y))" x2="\##(left + plotWidth)" y2="\##(Self.f(y))"/>"##)
        }
        out.append("</g>")
        out.append(##"<g fill="#1f5fa8" text-anchor="end">"##)
        for i in 0...5 {
            let value = powerMax * Double(i) / 5
            out.append(##"<text x="\##(left - 8)" y="\##(Self.f(top + plotHeight * (1 - Double(i) / 5) + 4))">\##(Self.trim(value))</text>"##)
        }
        out.append("</g>")
        out.append(
            ##"<text transform="translate(20 \##(Self.f(top + plotHeight / 2))) rotate(-90)" text-anchor="middle" fill="#1f5fa8">power (kW)</text>"##
        )
        let hasSoC = points.contains { $0.soc != nil }
        if hasSoC {
            out.append(##"<g fill="#2a8a3a" text-anchor="start">"##)
            for i in 0...5 {
                out.append(##"<text x="\##(left + plotWidth + 8)" y="\##(Self.f(top + plotHeight * (1 - Double(i) / 5) + 4))">\##(i * 20)</text>"##)
            }
            out.append("</g>")
            out.append(
                ##"<text transform="translate(\##(width - 16) \##(Self.f(top + plotHeight / 2))) rotate(90)" text-anchor="middle" fill="#2a8a3a">SoC (%)</text>"##
            )
        }
        out.append(##"<g fill="#444" text-anchor="middle">"##)
        let span = Double(t1 - t0) / 1000
        let step = Self.timeStep(span)
        var tick = (Double(t0) / 1000 / step).rounded(.up) * step
        while tick <= Double(t1) / 1000 {
            let px = x(Int64(tick * 1000))
            out.append(
                ##"<line x1="\##(Self.f(px))" y1="\##(top + plotHeight)" x2="\##(Self.f(px))" y2="\##(top + plotHeight + 5)" stroke="#888"/>"##
            )
            out.append(##"<text x="\##(Self.f(px))" y="\##(top + plotHeight + 20)">\##(Self.clock(Int64(tick * 1000)))</text>"##)
            tick += step
        }
        out.append("</g>")
        out.append(##"<text x="\##(left + plotWidth / 2)" y="\##(height - 10)" text-anchor="middle" fill="#444">time (UTC)</text>"##)
        out.append(
            ##"<rect x="\##(left)" y="\##(top)" width="\##(plotWidth)" height="\##(plotHeight)" fill="none" stroke="#999" stroke-width="1"/>"##
        )

        // Series.
        let limit = points.compactMap { p in p.limitW.map { (p.atMs, $0) } }
        if !limit.isEmpty {
            var d = ""
            for (i, (at, watts)) in limit.enumerated() {
                // A step line: a limit holds until the next sample says otherwise.
                if i == 0 {
                    d += "M\(Self.f(x(at))),\(Self.f(yPower(watts)))"
                } else {
                    d += " H\(Self.f(x(at))) V\(Self.f(yPower(watts)))"
                }
            }
            out.append(##"<path id="limit" d="\##(d)" fill="none" stroke="#d0342c" stroke-width="1.5" stroke-dasharray="6 4"/>"##)
        }
        let soc = points.compactMap { p in p.soc.map { (p.atMs, $0) } }
        if !soc.isEmpty {
            out.append(##"<path id="soc" d="\##(Self.path(soc.map { (x($0.0), ySoC($0.1)) }))" fill="none" stroke="#2a8a3a" stroke-width="2"/>"##)
        }
        let power = points.compactMap { p in p.powerW.map { (p.atMs, $0) } }
        if !power.isEmpty {
            out.append(
                ##"<path id="power" d="\##(Self.path(power.map { (x($0.0), yPower($0.1)) }))" fill="none" stroke="#1f5fa8" stroke-width="2.5"/>"##
            )
        }

        // Legend.
        var legend: [(String, String, String)] = [("#1f5fa8", "", "power")]
        if !limit.isEmpty { legend.append(("#d0342c", #" stroke-dasharray="6 4""#, "limit in force")) }
        if !soc.isEmpty { legend.append(("#2a8a3a", "", "SoC")) }
        var lx = left + plotWidth
        for (color, dash, label) in legend.reversed() {
            lx -= 44 + Double(label.count) * 7.5
            out.append(
                ##"<line x1="\##(Self.f(lx))" y1="\##(top - 12)" x2="\##(Self.f(lx + 20))" y2="\##(top - 12)" stroke="\##(color)" stroke-width="2.5"\##(dash)/>"##
            )
            out.append(##"<text x="\##(Self.f(lx + 25))" y="\##(top - 8)" fill="#333">\##(label)</text>"##)
        }
        if power.isEmpty {
            out.append(
                ##"<text x="\##(left + plotWidth / 2)" y="\##(top + plotHeight / 2)" text-anchor="middle" fill="#888">no meter values</text>"##
            )
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }

    static func path(_ points: [(Double, Double)]) -> String {
        points.enumerated().map { i, p in (i == 0 ? "M" : "L") + f(p.0) + "," + f(p.1) }.joined(separator: " ")
    }

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    static func trim(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// 1, 2 or 5 times a power of ten, at least `value`.
    static func niceCeiling(_ value: Double) -> Double {
        let magnitude = pow(10, floor(log10(value)))
        for m in [1.0, 2, 2.5, 5, 10] where m * magnitude >= value - 1e-9 { return m * magnitude }
        return 10 * magnitude
    }

    /// A tick step (seconds) giving about 4 to 10 ticks.
    static func timeStep(_ span: Double) -> Double {
        for step in [60.0, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400] where span / step <= 10 { return step }
        return 86400 * (span / 86400 / 8).rounded(.up)
    }

    static func clock(_ ms: Int64) -> String {
        let text = Timestamp(milliseconds: ms).description
        let parts = text.split(separator: "T")
        guard parts.count == 2 else { return text }
        return String(parts[1].prefix(5))
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
