import Foundation
import Testing

@testable import Shared

@Suite struct CapacityBalancerTests {
    static func d(_ text: String) -> Decimal { Decimal(string: text)! }
    static func demand(_ key: String, _ cap: Decimal? = nil) -> CapacityBalancer.Demand { .init(key: key, cap: cap) }

    static func isTenth(_ value: Decimal) -> Bool {
        var scaled = value * 10
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        return rounded == scaled
    }

    /// A small deterministic generator (SplitMix64), so a failure reproduces.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func equalShares() {
        #expect(CapacityBalancer.share(32, among: [Self.demand("a"), Self.demand("b")]) == ["a": 16, "b": 16])
        #expect(CapacityBalancer.share(63, among: [Self.demand("a")]) == ["a": 63])
        #expect(CapacityBalancer.share(33, among: [Self.demand("a"), Self.demand("b"), Self.demand("c")]) == ["a": 11, "b": 11, "c": 11])
        #expect(CapacityBalancer.share(32, among: []).isEmpty)
    }

    @Test func cappedDemandLeavesItsUnusedShareToOthers() {
        let shares = CapacityBalancer.share(32, among: [Self.demand("a"), Self.demand("b", 6), Self.demand("c")])
        #expect(shares == ["a": 13, "b": 6, "c": 13])
        // A cap above the fair share takes only the fair share.
        #expect(CapacityBalancer.share(32, among: [Self.demand("a", 20), Self.demand("b")]) == ["a": 16, "b": 16])
        // Two levels of caps.
        #expect(CapacityBalancer.share(60, among: [Self.demand("a", 6), Self.demand("b", 10), Self.demand("c"), Self.demand("d", 50)])
            == ["a": 6, "b": 10, "c": 22, "d": 22])
        // Everyone capped below: capacity left unused.
        #expect(CapacityBalancer.share(100, among: [Self.demand("a", 10), Self.demand("b", 16)]) == ["a": 10, "b": 16])
    }

    @Test func zeroAndNegativeInputs() {
        #expect(CapacityBalancer.share(32, among: [Self.demand("a", 0), Self.demand("b")]) == ["a": 0, "b": 32])
        #expect(CapacityBalancer.share(32, among: [Self.demand("a", -5), Self.demand("b")]) == ["a": 0, "b": 32])
        #expect(CapacityBalancer.share(-10, among: [Self.demand("a"), Self.demand("b")]) == ["a": 0, "b": 0])
        #expect(CapacityBalancer.share(0, among: [Self.demand("a", 3)]) == ["a": 0])
    }

    @Test func sharesRoundDownToTenths() {
        let shares = CapacityBalancer.share(10, among: [Self.demand("a"), Self.demand("b"), Self.demand("c")])
        #expect(shares.values.allSatisfy(Self.isTenth))
        #expect(shares.values.reduce(0, +) == 10)
        #expect(shares.values.sorted() == [Self.d("3.3"), Self.d("3.3"), Self.d("3.4")])
        // 0.1 among three: one gets it.
        #expect(CapacityBalancer.share(Self.d("0.1"), among: [Self.demand("a"), Self.demand("b"), Self.demand("c")]).values.sorted() == [0, 0, Self.d("0.1")])
        // A capacity finer than 0.1 loses the rest.
        #expect(CapacityBalancer.share(Self.d("10.09"), among: [Self.demand("a")]) == ["a": 10])
    }

    /// A cap finer than 0.1 (a converted limit) gives a share rounded down to 0.1 like every other.
    @Test func fineCapIsRoundedDown() {
        let shares = CapacityBalancer.share(32, among: [Self.demand("a", Self.d("6.05")), Self.demand("b")])
        #expect(shares["a"] == Self.d("6"))
        #expect(shares["b"] == 26)
    }

    /// Many random inputs: no share above its cap or below 0, all in tenths, the sum never above the capacity, and
    /// water-filling: capacity is left over only when every demand is at its cap, and no capped demand gets more than
    /// an uncapped one (plus the 0.1 a rounding can move).
    @Test func propertiesHoldForRandomInputs() {
        var rng = SplitMix64(state: 0x5EED_2026)
        for _ in 0..<2000 {
            let capacity = Decimal(Int.random(in: 0...20_000, using: &rng)) / 10
            let count = Int.random(in: 0...8, using: &rng)
            var demands: [CapacityBalancer.Demand] = []
            for i in 0..<count {
                let cap: Decimal? = Bool.random(using: &rng) ? nil : Decimal(Int.random(in: 0...6_300, using: &rng)) / (Bool.random(using: &rng) ? 10 : 100)
                demands.append(Self.demand("k\(i)", cap))
            }
            let shares = CapacityBalancer.share(capacity, among: demands)
            #expect(shares.count == demands.count)
            let total = shares.values.reduce(0, +)
            #expect(total <= capacity, "\(capacity) among \(demands)")
            for demand in demands {
                let share = shares[demand.key] ?? -1
                #expect(share >= 0)
                #expect(Self.isTenth(share), "\(share)")
                if let cap = demand.cap { #expect(share <= cap) }
            }
            let unsaturated = demands.filter { demand in
                guard let cap = demand.cap else { return true }
                return (shares[demand.key] ?? 0) + Self.d("0.1") <= cap
            }
            if !unsaturated.isEmpty {
                // What is left is less than 0.1 per demand.
                #expect(capacity - total < Decimal(demands.count) / 10, "\(capacity) among \(demands): \(shares)")
                let lowest = unsaturated.map { shares[$0.key] ?? 0 }.min() ?? 0
                for demand in demands {
                    #expect((shares[demand.key] ?? 0) <= lowest + Self.d("0.1"), "\(capacity) among \(demands): \(shares)")
                }
            }
        }
    }
}
