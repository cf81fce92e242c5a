#if canImport(Glibc)
    import CMalloc
#endif

/// glibc gives threads that allocate at the same time their own heap arenas, up to eight per core.
/// The services allocate on many short-lived pool threads, so freed memory ends up spread over
/// many partly used arenas and the resident size grows by tens of MiB with nothing more in use.
/// Two arenas keep it bounded at no measurable cost in throughput (see docs/benchmarks.md).
public enum MallocArenas {
    /// Limits the arenas unless the operator chose a number with `MALLOC_ARENA_MAX`.
    public static func limit(to count: Int32 = 2, environment: EnvironmentReader = EnvironmentReader()) {
        #if canImport(Glibc)
            guard environment.optionalString("MALLOC_ARENA_MAX") == nil else { return }
            _ = mallopt(M_ARENA_MAX, count)
        #endif
    }
}
