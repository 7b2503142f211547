import Testing

@testable import ocpp_report

@Suite struct ClockSkewTests {
    @Test func aRealClockIsTheMedianOffsetOfItsConnection() {
        // 10 minutes fast, one notification that waited in a queue for an hour.
        var samples = (0..<20).map { ClockSample(chargerMs: Int64($0) * 60_000 + 600_000 + Int64($0 % 3), serverMs: Int64($0) * 60_000 + 5) }
        samples.insert(ClockSample(chargerMs: -3_600_000, serverMs: 30), at: 1)
        let estimate = ClockSkew.estimate(samples: samples, connects: [0])
        #expect(abs((estimate.offset(atServerMs: 500_000) ?? 0) - 600_000) < 10)
        #expect(estimate.rate == 1)
    }

    @Test func eachConnectionHasItsOwnOffset() {
        let first = (0..<5).map { ClockSample(chargerMs: Int64($0) * 60_000 + 1_000, serverMs: Int64($0) * 60_000) }
        let second = (0..<5).map { ClockSample(chargerMs: 1_000_000 + Int64($0) * 60_000 + 700_000, serverMs: 1_000_000 + Int64($0) * 60_000) }
        let estimate = ClockSkew.estimate(samples: first + second, connects: [0, 1_000_000])
        #expect(estimate.offset(atServerMs: 100_000) == 1_000)
        #expect(estimate.offset(atServerMs: 1_100_000) == 700_000)
    }

    /// A simulator at --speed 600 started 20 ms before it connected, its clock 10 minutes fast: measured at the connection.
    @Test func anAcceleratedClockIsComparedWhereItConnected() {
        let t0: Int64 = 1_000_000
        let connect = t0 + 20
        let samples = stride(from: Int64(50), to: 20_000, by: 700).map { elapsed in
            ClockSample(chargerMs: t0 + elapsed * 600 + 600_000, serverMs: t0 + elapsed + 2)
        }
        let estimate = ClockSkew.estimate(samples: samples, connects: [connect])
        #expect(abs(estimate.rate - 600) < 1)
        let offset = estimate.offset(atServerMs: connect + 5_000) ?? 0
        #expect(abs(offset - 600_000 - 599 * 20) < 2_000, "\(offset)")
        #expect(abs(estimate.chargerTime(serverMs: t0 + 10_000) - (t0 + 10_000 * 600 + 600_000)) < 5_000)
    }

    @Test func noSamplesNoEstimate() {
        #expect(ClockSkew.estimate(samples: [], connects: [1]).offset(atServerMs: 5) == nil)
    }
}
