import EventModel
import Logging
import Tracing

/// Performs what `PipelineStateMachine` decides: polls, writes, dead letters, commits, pauses.
/// Every call that waits runs as a child task of one task group; what it brings back is the
/// machine's next event. Nothing outlives `run()`.
public struct PipelineDriver<Source: RecordSource, Writer: RowWriter, Sink: DeadLetterSink>: Sendable {
    public struct Configuration: Sendable {
        public var machine: PipelineStateMachine.Configuration
        /// How long one poll waits for records.
        public var pollTimeout: Duration
        /// How long stopping waits for writes in flight before cutting them off; their batches
        /// stay uncommitted.
        public var stuckWriteGrace: Duration
        /// The event contracts every record is checked against (`nil`: none).
        public var schemas: SchemaRegistry?

        public init(
            machine: PipelineStateMachine.Configuration,
            pollTimeout: Duration,
            stuckWriteGrace: Duration,
            schemas: SchemaRegistry? = nil
        ) {
            self.machine = machine
            self.pollTimeout = pollTimeout
            self.stuckWriteGrace = stuckWriteGrace
            self.schemas = schemas
        }
    }

    /// The pipeline cannot go on (the broker refused a poll for good, the database refused a write
    /// for good); the process ends with this reason.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    typealias Event = PipelineStateMachine.Event

    let configuration: Configuration
    let source: Source
    let writer: Writer
    let sink: Sink
    let metrics: any PipelineMetrics
    let logger: Logger
    /// `nil`: tracing is off, and no span is made.
    let tracing: PipelineTracing?

    public init(
        configuration: Configuration,
        source: Source,
        writer: Writer,
        sink: Sink,
        metrics: any PipelineMetrics,
        logger: Logger,
        tracing: PipelineTracing? = nil
    ) {
        precondition(configuration.machine.lanes == writer.lanes, "one write lane per writer connection")
        self.configuration = configuration
        self.source = source
        self.writer = writer
        self.sink = sink
        self.metrics = metrics
        self.logger = logger
        self.tracing = tracing
    }

    /// Runs until `stopRequested` returns (then finishes the writes in flight and commits what it
    /// can), until a replay caught up, or until the pipeline fails.
    public func run(stopRequested: @escaping @Sendable () async -> Void) async throws(Failure) {
        let finish = await withTaskGroup(of: Event?.self) { group in
            group.addTask {
                await stopRequested()
                return .stopRequested
            }
            var machine = PipelineStateMachine(configuration: configuration.machine)
            var lastPendingReport = ContinuousClock.now - .seconds(1)
            var batchTraces = BatchTraceContexts()
            var actions = machine.start()
            while true {
                for action in actions {
                    if case .finish(let finish) = action {
                        // Only timers and the stop signal are left; they end when cancelled.
                        group.cancelAll()
                        return finish
                    }
                    await perform(action, in: &group, traces: &batchTraces)
                }
                guard let next = await group.next() else {
                    return .failed("the pipeline stalled with nothing in flight")
                }
                if let next { batchTraces.note(next) }
                actions = next.map { machine.handle($0) } ?? []
                // The lag gauge is computed at scrape time from this report; a few reports a second
                // keep it current without scanning the pending records after every event.
                let now = ContinuousClock.now
                if now - lastPendingReport >= .milliseconds(200) {
                    lastPendingReport = now
                    let pending = machine.oldestPending
                    metrics.pending(oldestByPartition: pending.byPartition, assignment: pending.assignment)
                }
            }
        }
        switch finish {
        case .stopped(let unfinished):
            if unfinished > 0 {
                logger.info(
                    "stopping with batches unfinished; their offsets stay uncommitted",
                    metadata: ["batches": "\(unfinished)"])
            }
        case .caughtUp:
            logger.info("replay caught up")
        case .failed(let reason):
            throw Failure(description: reason)
        }
    }

    private func perform(
        _ action: PipelineStateMachine.Action,
        in group: inout TaskGroup<Event?>,
        traces: inout BatchTraceContexts
    ) async {
        switch action {
        case .poll:
            group.addTask { await poll() }
        case .write(let id, let records, let lane, let attempt):
            if attempt == 0 { metrics.polledBatch(size: records.count) }
            let span = tracing?.startBatchSpan(records, attempt: attempt)
            traces.began(id, span?.context)
            group.addTask {
                let result = await InstrumentationContext.$current.withValue(span?.context) {
                    await writeBatch(
                        records, schemas: configuration.schemas, write: { await writer.write($0, lane: lane) },
                        logger: logger)
                }
                switch result {
                case .written(let report):
                    metrics.persisted(report.inserted)
                    metrics.duplicatesSkipped(report.duplicates)
                case .failed(let failure):
                    span?.setStatus(SpanStatus(code: .error, message: failure.description))
                }
                span?.end()
                return .written(id, result)
            }
        case .deadLetter(let id, let rejects):
            let batchContext = traces.context(of: id)
            group.addTask {
                let deliver = { await deliverDeadLetters(rejects, to: sink, metrics: metrics, logger: logger) }
                let (undelivered, cause) =
                    if let tracing {
                        await tracing.withDeadLetterSpan(count: rejects.count, batch: batchContext, deliver)
                    } else {
                        await deliver()
                    }
                return .deadLettered(id, undelivered: undelivered, cause: cause)
            }
        case .scheduleRetry(let id, let delay, let attempt, let cause):
            logRetry(attempt: attempt, cause: cause, delay: delay)
            group.addTask {
                try? await Task.sleep(for: delay)
                return .retryDue(id)
            }
        case .pause:
            await source.pause()
        case .resume:
            await source.resume()
            logger.info("database available again; partitions resumed")
        case .commit(let offsets, let eventTimestamps):
            group.addTask { await commit(offsets, eventTimestamps: eventTimestamps) }
        case .skipRejected(let count):
            logger.warning("replay skipped records that cannot become rows", metadata: ["count": "\(count)"])
        case .interruptWritesAfterGrace:
            group.addTask {
                // Cancelled when the pipeline finishes first, which is the usual case.
                guard (try? await Task.sleep(for: configuration.stuckWriteGrace)) != nil else { return nil }
                await writer.interruptAll()
                return nil
            }
        case .finish:
            break
        }
    }

    private func poll() async -> Event {
        do {
            // Decoded here (unless the source did), while earlier batches are being written, so
            // that a free connection is handed a batch ready to write instead of waiting for it.
            var records = try await source.poll(
                maxRecords: configuration.machine.maxEvents, timeout: configuration.pollTimeout)
            if records.contains(where: { !$0.isDecoded }) {
                records = records.map { $0.isDecoded ? $0 : $0.decoding(schemas: configuration.schemas) }
            }
            let assignment = source.assignment
            metrics.assignedPartitions(assignment.count)
            return .polled(records, assignment: assignment, at: .now)
        } catch {
            logger.error("poll failed; stopping", metadata: ["kafka.error": "\(error)"])
            return .pollFailed("\(error)")
        }
    }

    private func commit(_ offsets: [TopicPartition: Int64], eventTimestamps: [Int64]) async -> Event {
        do {
            try await source.commit(offsets)
            metrics.committed(offsets, eventTimestamps: eventTimestamps)
        } catch {
            // Partitions lost meanwhile are read again by their new owner; ON CONFLICT absorbs the repeat.
            logger.warning("offset commit failed; the batch will be read again", metadata: ["kafka.error": "\(error)"])
        }
        return .committed
    }

    private func logRetry(attempt: Int, cause: PipelineStateMachine.Outage, delay: Duration) {
        switch cause {
        case .database(let error):
            metrics.databaseRetried()
            if RetryPolicy.shouldLog(attempt: attempt) {
                logger.warning(
                    "database unavailable; partitions paused, retrying",
                    metadata: ["error": "\(error)", "attempt": "\(attempt)"])
            }
        case .deadLetterTopic(let error):
            logger.warning(
                "dead-letter topic unavailable; retrying before committing",
                metadata: ["kafka.error": "\(error)", "attempt": "\(attempt)"])
        }
    }
}
