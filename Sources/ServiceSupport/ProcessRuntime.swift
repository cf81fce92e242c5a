import NIOCore
import NIOPosix

#if canImport(Glibc)
    import CMalloc
#endif

/// Process-wide settings the programs apply first thing in `main`.
public enum ProcessRuntime {
    /// Swift tasks then run on the event-loop threads that also serve HTTP, instead of hopping
    /// between those and a separate pool for every request. Only for a program none of whose tasks
    /// ever blocks: the gateway's librdkafka calls return at once, and its delivery reports are
    /// served by a thread of their own. (The persister's database client may wait for its queue.)
    /// Returns whether it took effect: on a toolchain that does not allow it, tasks stay on the
    /// default pool (correct, only slower), and the caller says so in its log.
    @discardableResult
    public static func runTasksOnEventLoops() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    /// glibc gives threads that allocate at the same time their own heap arenas, up to eight per
    /// core. Freed memory then ends up spread over many partly used arenas and the resident size
    /// grows by tens of MiB with nothing more in use. Two arenas keep it bounded at no measurable
    /// cost in throughput (see docs/benchmarks.md). `MALLOC_ARENA_MAX`, when set, wins.
    public static func limitMallocArenas(environment: EnvironmentReader = EnvironmentReader()) {
        #if canImport(Glibc)
            guard environment.optionalString("MALLOC_ARENA_MAX") == nil else { return }
            _ = mallopt(M_ARENA_MAX, 2)
        #endif
    }
}
