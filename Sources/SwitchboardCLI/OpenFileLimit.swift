#if canImport(Glibc)
import Glibc
#endif

/// Each answer in flight holds sockets: the webhook or poll, the backend's stream, a platform
/// call. A soft limit on open files of 1,024 (systemd's default) refuses connections at a few
/// hundred answers at once, so `serve` raises it to the hard limit, as Go's runtime and nginx's
/// `worker_rlimit_nofile` do. Nothing is raised beyond what the administrator allowed.
enum OpenFileLimit {
    static func raiseToHardLimit() {
        #if canImport(Glibc)
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        #endif
    }
}
