/// The limit model explained once, for the --help of `agent`, `group`, `limit`, `limits` and `explain`.
enum LimitHelp {
    static let units = """
        Units: A is amperes per phase, W watts in total, kW is read as 1000 W. A limit in the other unit than the \
        charger takes is converted at 230 V per phase; below 6 A per phase (IEC 61851) a charger cannot charge, so \
        such a limit is refused (0 pauses charging).
        """

    static let kinds = """
        Hard limits (--hard: a fuse, a generator, a grid order) are never exceeded and never lifted: the lowest hard \
        limit in force always holds. Policy limits (the default: business preferences) are arbitrated by the \
        priority of their agents: among policy limits, the agent with the higher priority number wins and the \
        lower ones are set aside; the result never goes above a hard limit.
        """

    static let shapes = """
        Time shapes: always (default); --for DURATION (90s, 30m, 2h, 1d) or --until T, optionally --from T, for a \
        one-off range; --daily HH:MM-HH:MM or --weekly DAYS@HH:MM-HH:MM (mon-fri@07:00-09:00, sat,sun@10:00-16:00) \
        for a window that repeats, in --tz ZONE (IANA, e.g. Europe/Berlin; default UTC). A window must end after it \
        starts the same day (24:00 at most): split an overnight window in two limits. Times T: RFC 3339 \
        (2026-12-06T18:00:00Z), now, or +30m/+2h/+1d.
        """
}
