import ArgumentParser
import Foundation
import Shared

/// `reserve ID --connector N --tag TAG --expires T` [ReserveNow].
struct ReserveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reserve",
        abstract: "Reserve a connector for an id tag until a time. [ReserveNow]",
        discussion: "Without --reservation-id one is made from the current time and printed; cancel it with cancel-reservation."
    )
    @OptionGroup(visibility: .hidden) var globals: GlobalOptions
    @OptionGroup var target: ChargerTarget
    @Option(help: "Connector (0 = any connector of the charger).") var connector: Int
    @Option(help: "Id tag the reservation is for.") var tag: String
    @Option(help: "End of the reservation (RFC 3339, +30m, ...).") var expires: String
    @Option(help: "Parent id tag allowed to use it too.") var parent: String?
    @Option(help: "Reservation id. (default: seconds since 2020, unique enough per charger)") var reservationID: Int?

    func validate() throws {
        guard connector >= 0 else { throw ValidationError("--connector must be 0 or more") }
        guard tag.count <= 20, !tag.isEmpty else { throw ValidationError("--tag must be 1 to 20 characters (OCPP IdToken)") }
    }

    func run() async throws {
        let id = reservationID ?? Int(Date().timeIntervalSince1970 - 1_577_836_800)
        var payload: JSONObject = [
            "connectorId": .number(JSONNumber(connector)),
            "expiryDate": .string(try TimeArgument.parse(expires, flag: "--expires").description),
            "idTag": .string(tag),
        ]
        if let parent { payload["parentIdTag"] = .string(parent) }
        payload["reservationId"] = .number(JSONNumber(id))
        try await ChargerCall.run(globals, target.id, .reserveNow, .object(payload))
    }
}

/// `cancel-reservation ID RESERVATION-ID` [CancelReservation].
struct CancelReservationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel-reservation", abstract: "Cancel a reservation. [CancelReservation]")
    @OptionGroup(visibility: .hidden) var globals: GlobalOptions
    @OptionGroup var target: ChargerTarget
    @Argument(help: "Reservation id.") var reservationID: Int

    func run() async throws {
        try await ChargerCall.run(globals, target.id, .cancelReservation, ["reservationId": .number(JSONNumber(reservationID))])
    }
}
