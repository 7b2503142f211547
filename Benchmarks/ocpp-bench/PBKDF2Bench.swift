import CryptoExtras
import Foundation

/// `--pbkdf2 [ROUNDS]`: the cost of one Security Profile 1 password check, i.e. one PBKDF2-HMAC-SHA256 derivation with
/// the parameters of ocpp-serve's `HashedKey` (16-byte salt, 32-byte output, 32 768 rounds by default). Kept in step
/// with `HashedKey.derive` by hand: the bench cannot import an executable target.
struct PBKDF2Bench {
    var rounds: Int
    var checks: Int

    func run() {
        let key = Array("correct-horse-battery-1".utf8)
        let salt = [UInt8](repeating: 7, count: 16)
        var samples: [Double] = []
        for _ in 0..<checks {
            let start = DispatchTime.now().uptimeNanoseconds
            // try? keeps the bench free of force-unwraps; the parameters are valid constants.
            let derived = try? KDF.Insecure.PBKDF2.deriveKey(from: key, salt: salt, using: .sha256, outputByteCount: 32, unsafeUncheckedRounds: rounds)
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            guard derived != nil else { print("pbkdf2: derivation failed"); return }
        }
        samples.sort()
        let median = samples[samples.count / 2]
        print(
            String(
                format: "pbkdf2-hmac-sha256 rounds=%d checks=%d: median %.2f ms, min %.2f ms, max %.2f ms per check; one verifier thread refuses at most %.0f wrong passwords/s",
                rounds, checks, median, samples.first ?? 0, samples.last ?? 0, 1000 / median)
        )
    }
}
