import Foundation

/// A charging profile the server keeps on a charger on behalf of the limit model. Each role has its own fixed
/// profile id, so sending a new version replaces the old one and clearing it touches nothing an operator set.
public struct ManagedProfile: Sendable, Hashable {
    public enum Role: Sendable, Hashable, Comparable {
        /// The whole charger's limits: ChargePointMaxProfile on connector 0.
        case chargerMax
        /// One connector's limits: TxDefaultProfile on that connector.
        case connectorDefault(Int)
        /// A session's share of its group's capacity: TxProfile for the running transaction.
        case share(Int)

        public var connectorId: Int {
            switch self {
            case .chargerMax: 0
            case .connectorDefault(let n), .share(let n): n
            }
        }

        public var profileID: Int {
            switch self {
            case .chargerMax: ProfilePlanner.profileIDBase
            case .connectorDefault(let n): ProfilePlanner.profileIDBase + 100 + n
            case .share(let n): ProfilePlanner.profileIDBase + 200 + n
            }
        }

        public var purpose: ChargingProfilePurposeType {
            switch self {
            case .chargerMax: .chargePointMaxProfile
            case .connectorDefault: .txDefaultProfile
            case .share: .txProfile
            }
        }

        /// The role a managed profile id stands for, or nil for an id the server does not manage.
        public init?(profileID id: Int) {
            let base = ProfilePlanner.profileIDBase
            switch id - base {
            case 0: self = .chargerMax
            case 101..<200: self = .connectorDefault(id - base - 100)
            case 201..<300: self = .share(id - base - 200)
            default: return nil
            }
        }
    }

    public var role: Role
    public var profile: ChargingProfile

    public init(role: Role, profile: ChargingProfile) {
        self.role = role
        self.profile = profile
    }

    public var request: SetChargingProfileRequest { SetChargingProfileRequest(connectorId: role.connectorId, csChargingProfiles: profile) }
}
