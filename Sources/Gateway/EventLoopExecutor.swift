import Hummingbird
import NIOCore
import NIOPosix

/// Runs jobs on one event loop.
final class EventLoopExecutor: TaskExecutor, Sendable {
    let loop: any EventLoop

    init(_ loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// Keeps a request on the event loop it arrived on. The delivery report then resumes the handler
/// on that loop, and the response is written from there, instead of the handler continuing on
/// whichever loop takes the resumption and handing the response over to the connection's loop.
/// Only applies when Swift tasks run on the event loops (`ProcessRuntime.runTasksOnEventLoops()`).
struct EventLoopAffinityMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let loop = MultiThreadedEventLoopGroup.currentEventLoop else {
            return try await next(request, context)
        }
        return try await withTaskExecutorPreference(EventLoopExecutor(loop)) {
            try await next(request, context)
        }
    }
}
