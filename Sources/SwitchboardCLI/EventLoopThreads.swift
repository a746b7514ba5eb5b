import Foundation
import NIOCore

/// NIO sizes its event loops by the machine's cores or the cgroup's CPU quota, not by the CPU
/// affinity a server was started with (`taskset`, `numactl`, a cpuset without a quota): pinned to
/// one core of many, the server ran one event-loop thread per core of the machine, all on that
/// one core, and every hand-over between them was a context switch (Benchmarks/README.md, "Load":
/// about a tenth of the CPU per streamed answer). `serve` sizes them by the affinity when it
/// allows fewer cores; `NIO_SINGLETON_GROUP_LOOP_COUNT` still wins.
enum EventLoopThreads {
    static func fitToAffinity() {
        guard getenv("NIO_SINGLETON_GROUP_LOOP_COUNT") == nil, let allowed = allowedCores(), allowed < System.coreCount else { return }
        NIOSingletons.groupLoopCountSuggestion = allowed
    }

    /// The cores this process may run on: `Cpus_allowed_list` of /proc/self/status (`0-3,6`).
    static func allowedCores(status path: String = "/proc/self/status") -> Int? {
        guard let status = try? String(contentsOfFile: path, encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") })
        else { return nil }
        var count = 0
        for range in line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces).split(separator: ",") {
            let bounds = range.split(separator: "-").compactMap { Int($0) }
            switch bounds.count {
            case 1: count += 1
            case 2 where bounds[1] >= bounds[0]: count += bounds[1] - bounds[0] + 1
            default: return nil
            }
        }
        return count > 0 ? count : nil
    }
}
