/// The first element of every OCPP-J frame (J§4.1.3).
public enum MessageType: Int, Sendable, Hashable, CaseIterable, Codable {
    case call = 2
    case callResult = 3
    case callError = 4
}
