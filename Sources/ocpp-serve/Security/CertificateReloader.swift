import Logging
import ServiceLifecycle
import UnixSignals

/// Re-reads the TLS files on SIGHUP (`ChargerTLS.reload`): new handshakes on the wss port and the https API use
/// the new certificate, key and client CA; connected chargers keep their sessions. A bad file keeps the old ones.
/// Without TLS the signal is trapped too and only logged: SIGHUP's default action would end the server abruptly.
struct CertificateReloader: Service {
    let tls: ChargerTLS?
    /// Trapped before the server announces its ports, so a SIGHUP right after start reloads rather than kills.
    let signals: UnixSignalsSequence
    let logger: Logger

    func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in signals.cancelOnGracefulShutdown() {
                guard let tls else {
                    logger.notice("SIGHUP: no --tls-cert, nothing to reload")
                    continue
                }
                logger.notice("SIGHUP: reloading tls certificates", metadata: ["cert": "\(tls.files.certificate)"])
                tls.reload()
            }
        } onGracefulShutdown: {
        }
    }
}
