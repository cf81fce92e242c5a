import CRdKafka
import EventModel
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Where the broker stored an acknowledged record.
public struct KafkaDeliveryReport: Sendable, Hashable {
    public let topic: String
    public let partition: Int32
    public let offset: Int64
}

/// An idempotent producer (`acks=all`) whose `send` completes when the broker acknowledged the
/// record, or failed it. Delivery reports are served by a dedicated thread.
///
/// The librdkafka handle lives in a session that is replaced when it is wedged: deliveries time
/// out while the broker answers (a broker that lost its producer state, or a fatal idempotence
/// error). Records of the old session still get their reports while it drains.
///
/// As a `Service`, it runs until graceful shutdown, then flushes what is still queued.
public final class KafkaProducer: Service, Sendable {
    private let configuration: KafkaProducerConfiguration
    private let logger: Logger
    private let state: Mutex<State>
    private let deadlines: DeliveryDeadlines

    private struct State {
        var session: ProducerSession
        var closed = false
        var recycling = false
    }

    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws(KafkaError) {
        self.configuration = configuration
        self.logger = logger
        // librdkafka times records out after `deliveryTimeout`, but only when its timer scan runs;
        // the deadlines make the bound hold for the caller whatever librdkafka is doing.
        let deadlines = DeliveryDeadlines(bound: configuration.deliveryTimeout + .milliseconds(500))
        self.deadlines = deadlines
        state = Mutex(
            State(session: try ProducerSession(configuration: configuration, deadlines: deadlines, logger: logger)))
    }

    deinit {
        state.withLock { $0.session }.stop()
    }

    private var session: ProducerSession { state.withLock { $0.session } }

    /// Records waiting for delivery (queued locally or in flight).
    public var queueDepth: Int { Int(rd_kafka_outq_len(session.client.pointer)) }

    /// Sends one record and waits for its delivery report.
    public func send(_ record: OutgoingRecord) async throws(KafkaError) -> KafkaDeliveryReport {
        try await send([record])[0].get()
    }

    /// Enqueues the records in order, then waits until each has its delivery report. Records with
    /// the same key reach their partition in input order (idempotent producer).
    public func send(_ records: [OutgoingRecord]) async -> [Result<KafkaDeliveryReport, KafkaError>] {
        guard !records.isEmpty else { return [] }
        let (session, closed) = state.withLock { ($0.session, $0.closed) }
        guard !closed else {
            return records.map { _ in .failure(KafkaError(code: .closed, message: "the producer is closed")) }
        }
        let batch = DeliveryBatch(count: records.count)
        let results = await withCheckedContinuation { continuation in
            batch.start(continuation)
            deadlines.watch(batch)
            for (index, record) in records.enumerated() {
                if let error = enqueue(
                    record, ticket: DeliveryTicket(batch: batch, index: index, topic: record.topic), session: session)
                {
                    batch.complete(index, .failure(error))
                }
            }
        }
        if results.contains(where: { if case .failure(let error) = $0 { error.suggestsWedgedSession } else { false } })
        {
            // In the background: the caller's answer must not wait for the diagnosis.
            Task { await self.recycleIfWedged(session) }
        }
        return results
    }

    /// Waits until every queued record is delivered or failed, at most `timeout`; returns the
    /// number of records still undelivered.
    @discardableResult
    public func flush(timeout: Duration) async -> Int {
        await session.flush(timeout: timeout)
    }

    /// Whether a broker answers a metadata request within `timeout`.
    public func checkConnection(timeout: Duration = .seconds(2)) async throws(KafkaError) {
        try await session.client.checkConnection(timeout: timeout)
    }

    /// Refuses new records, flushes the queue (bounded by the delivery timeout plus a margin) and
    /// stops serving delivery reports.
    public func close() async {
        let (wasOpen, session) = state.withLock { state in
            defer { state.closed = true }
            return (!state.closed, state.session)
        }
        guard wasOpen else { return }
        let remaining = await session.flush(timeout: configuration.deliveryTimeout + .seconds(1))
        if remaining > 0 {
            logger.error("producer closed with undelivered records", metadata: ["records": "\(remaining)"])
        }
        session.stop()
        // No thread sweeps the deadlines any more: nobody may be left waiting.
        deadlines.expireAll()
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// Replaces `failed` with a fresh session when the broker answers but deliveries still fail.
    private func recycleIfWedged(_ failed: ProducerSession) async {
        let claimed = state.withLock { state in
            guard state.session === failed, !state.recycling, !state.closed else { return false }
            state.recycling = true
            return true
        }
        guard claimed else { return }
        let reachable = (try? await failed.client.checkConnection(timeout: .seconds(2))) != nil
        let fatal = failed.fatalIdempotenceError()
        guard reachable || fatal != nil else {
            state.withLock { $0.recycling = false }
            return
        }
        do {
            let fresh = try ProducerSession(configuration: configuration, deadlines: deadlines, logger: logger)
            state.withLock { state in
                state.session = fresh
                state.recycling = false
            }
            logger.warning(
                "deliveries failed while the broker answers: replaced the producer",
                metadata: ["fatal": "\(fatal.map { "\($0)" } ?? "none")"])
            let drainTimeout = configuration.deliveryTimeout
            Task.detached {
                _ = await failed.flush(timeout: drainTimeout)
                failed.stop()
            }
        } catch {
            state.withLock { $0.recycling = false }
            logger.error("could not replace the producer", metadata: ["kafka.error": "\(error)"])
        }
    }

    /// Hands one record to librdkafka; returns the error when it refused it (e.g. queue full).
    private func enqueue(_ record: OutgoingRecord, ticket: DeliveryTicket, session: ProducerSession) -> KafkaError? {
        let opaque = Unmanaged.passRetained(ticket).toOpaque()
        // librdkafka copies everything (RD_KAFKA_MSG_F_COPY), so the buffers only live for the call.
        let error: OpaquePointer? = record.topic.withCString { topic in
            withOptionalBytes(record.key) { key in
                record.value.withUnsafeBytes { value in
                    withHeaderFields(record.headers) { headerFields in
                        var fields: [rd_kafka_vu_t] = []
                        fields.reserveCapacity(5 + headerFields.count)
                        var field = rd_kafka_vu_t()
                        field.vtype = RD_KAFKA_VTYPE_TOPIC
                        field.u.cstr = topic
                        fields.append(field)
                        if let key {
                            field = rd_kafka_vu_t()
                            field.vtype = RD_KAFKA_VTYPE_KEY
                            field.u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress)
                            field.u.mem.size = key.count
                            fields.append(field)
                        }
                        field = rd_kafka_vu_t()
                        field.vtype = RD_KAFKA_VTYPE_VALUE
                        field.u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                        field.u.mem.size = value.count
                        fields.append(field)
                        field = rd_kafka_vu_t()
                        field.vtype = RD_KAFKA_VTYPE_MSGFLAGS
                        field.u.i = RD_KAFKA_MSG_F_COPY
                        fields.append(field)
                        field = rd_kafka_vu_t()
                        field.vtype = RD_KAFKA_VTYPE_OPAQUE
                        field.u.ptr = opaque
                        fields.append(field)
                        fields.append(contentsOf: headerFields)
                        return rd_kafka_produceva(session.client.pointer, fields, fields.count)
                    }
                }
            }
        }
        guard let error else { return nil }
        Unmanaged<DeliveryTicket>.fromOpaque(opaque).release()
        return KafkaError(consuming: error)
    }
}

private func withOptionalBytes<Result>(
    _ bytes: [UInt8]?,
    _ body: (UnsafeRawBufferPointer?) -> Result
) -> Result {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}

/// Builds `RD_KAFKA_VTYPE_HEADER` fields whose names and values stay valid during `body`.
private func withHeaderFields<Result>(
    _ headers: [RecordHeader],
    _ body: ([rd_kafka_vu_t]) -> Result
) -> Result {
    guard !headers.isEmpty else { return body([]) }
    let storageSize = headers.reduce(0) { $0 + $1.name.utf8.count + 1 + $1.value.count }
    let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(storageSize, 1), alignment: 1)
    defer { storage.deallocate() }
    var fields: [rd_kafka_vu_t] = []
    var offset = 0
    for header in headers {
        let name = storage.baseAddress! + offset
        for byte in header.name.utf8 {
            storage[offset] = byte
            offset += 1
        }
        storage[offset] = 0
        offset += 1
        let value = storage.baseAddress! + offset
        for byte in header.value {
            storage[offset] = byte
            offset += 1
        }
        var field = rd_kafka_vu_t()
        field.vtype = RD_KAFKA_VTYPE_HEADER
        field.u.header.name = UnsafePointer(name.assumingMemoryBound(to: CChar.self))
        field.u.header.val = UnsafeRawPointer(value)
        field.u.header.size = header.value.count
        fields.append(field)
    }
    return body(fields)
}

/// One librdkafka producer handle and the thread that serves its delivery reports.
final class ProducerSession: Sendable {
    let client: RdKafkaClient
    private let stopRequested = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(configuration: KafkaProducerConfiguration, deadlines: DeliveryDeadlines, logger: Logger) throws(KafkaError) {
        client = try RdKafkaClient(
            kind: .producer, properties: configuration.properties, context: ClientContext(logger: logger)
        ) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf) { _, message, _ in
                guard let message, let ticket = message.pointee._private else { return }
                let delivery = Unmanaged<DeliveryTicket>.fromOpaque(ticket).takeRetainedValue()
                let error = message.pointee.err
                if error == RD_KAFKA_RESP_ERR_NO_ERROR {
                    let report = KafkaDeliveryReport(
                        topic: delivery.topic, partition: message.pointee.partition, offset: message.pointee.offset)
                    delivery.batch.complete(delivery.index, .success(report))
                } else {
                    delivery.batch.complete(delivery.index, .failure(KafkaError(error)))
                }
            }
        }
        let thread = Thread { [self] in
            while !stopRequested.load(ordering: .acquiring) {
                rd_kafka_poll(client.pointer, 100)
                deadlines.expireOverdue()
            }
            finished.signal()
        }
        thread.name = "punk-records.kafka.producer.poll"
        thread.start()
    }

    func flush(timeout: Duration) async -> Int {
        await client.blocking { [client] in
            rd_kafka_flush(client.pointer, Int32(clamping: timeout.milliseconds))
            return Int(rd_kafka_outq_len(client.pointer))
        }
    }

    /// The idempotent producer's fatal error, if it raised one (the handle is then unusable).
    func fatalIdempotenceError() -> KafkaError? {
        var text = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(client.pointer, &text, text.count)
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(code: KafkaError.Code(code), message: String(nullTerminated: text))
    }

    /// Stops the delivery-report thread and waits until it has left librdkafka.
    func stop() {
        if !stopRequested.exchange(true, ordering: .acquiringAndReleasing) {
            finished.wait()
        }
    }
}

extension KafkaError {
    /// A failure that a healthy producer would not report while its broker answers.
    var suggestsWedgedSession: Bool {
        code == .messageTimedOut || code == .timedOut || code == Code(RD_KAFKA_RESP_ERR__FATAL)
    }
}
