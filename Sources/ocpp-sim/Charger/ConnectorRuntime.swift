import Foundation
import Shared

/// One connector of a simulated charger (index 0 is the charge point itself, without a spec).
struct ConnectorRuntime: Sendable {
    enum Phase: Sendable {
        /// Free; the next vehicle arrives at the date (nil: none planned).
        case idle(nextArrival: Date?)
        case charging
        /// The vehicle leaves (unplugs) at the date.
        case finishing(until: Date)
        /// Faulted until the date.
        case faulted(until: Date)
    }

    struct Reservation: Sendable {
        var id: Int
        var idTag: String
        var expiry: Date
    }

    let id: Int
    let spec: ChargerTemplate.Connector?
    var status: ChargePointStatus = .available
    var errorCode: ChargePointErrorCode = .noError
    var operative = true
    /// ChangeAvailability answered Scheduled: applied when the running transaction ends.
    var scheduledAvailability: AvailabilityType?
    var registerWh: Double
    var session: ChargingSession?
    var phase: Phase = .idle(nextArrival: nil)
    var reservation: Reservation?
    /// The status changed while no StatusNotification could be sent.
    var statusUnsent = false
    /// This connector's own random stream, so the drivers of several connectors stay reproducible whatever order
    /// their timers fire in.
    var rng: SeededRandom
    /// Sessions started here (picks the next vehicle).
    var sessions = 0

    init(id: Int, spec: ChargerTemplate.Connector?, registerWh: Double, rng: SeededRandom) {
        self.id = id
        self.spec = spec
        self.registerWh = registerWh
        self.rng = rng
    }

    var isDC: Bool { spec?.dc ?? false }
}
