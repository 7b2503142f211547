import Logging
import ServiceLifecycle
import UnixSignals

/// Re-reads the TLS files on SIGHUP (`ChargerTLS.reload`): new handshakes on the wss port and the https API use
/// the new certificate, key and client CA; connected chargers keep their sessions. A bad file keeps the old ones.
struct CertificateReloader: Service {
    let tls: ChargerTLS
    /// Trapped before the server announces its ports, so a SIGHUP right after start reloads rather than kills.
    let signals: UnixSignalsSequence
    let logger: Logger

    func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in signals.cancelOnGracefulShutdown() {
                logger.notice("SIGHUP: reloading tls certificates", metadata: ["cert": "\(tls.files.certificate)"])
                tls.reload()
            }
        } onGracefulShutdown: {
        }
    }
}
