import ServiceLifecycle

/// Runs until graceful shutdown, then ends `events --follow` streams and fails commands still waiting on chargers,
/// so the control servers can finish their requests and stop instead of waiting on clients that never leave.
/// Listed last in the service group, it is the first to shut down.
struct EventStreamCloser: Service {
    let events: EventBus
    let registry: ChargerRegistry

    func run() async throws {
        try? await gracefulShutdown()
        events.finishSubscribers()
        await registry.failPendingCommands()
    }
}
