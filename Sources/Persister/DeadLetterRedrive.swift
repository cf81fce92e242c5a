import EventModel
import Foundation
import Kafka
import Logging

/// Moves dead-lettered records back to the topic they came from, without the headers that say why,
/// once whatever rejected them is fixed. Records dead-lettered after the redrive started are left
/// alone, so a record that fails again is not redriven in a loop.
struct DeadLetterRedrive {
    let configuration: PersisterConfiguration
    let logger: Logger
    var idleExit: Duration = .seconds(5)

    func run() async throws -> Int {
        let startedAt = Int64(Date().timeIntervalSince1970 * 1000)
        let consumerConfiguration = configuration.consumerConfiguration(groupID: "\(configuration.groupID)-dlq-redrive")
        let consumer = try KafkaConsumer(
            configuration: consumerConfiguration, topics: [configuration.kafka.deadLetterTopic], logger: logger)
        let producer = try KafkaProducer(configuration: configuration.producerConfiguration(), logger: logger)
        var moved = 0
        var finishedPartitions = Set<TopicPartition>()
        var lastRecord = ContinuousClock.now
        while ContinuousClock.now - lastRecord < idleExit {
            let records = try await consumer.poll(maxRecords: 500, timeout: .milliseconds(500))
                .filter { !finishedPartitions.contains($0.topicPartition) }
            guard !records.isEmpty else { continue }
            lastRecord = ContinuousClock.now
            var toMove: [ConsumedRecord] = []
            for record in records where !finishedPartitions.contains(record.topicPartition) {
                if let time = record.timestampMilliseconds, time >= startedAt {
                    finishedPartitions.insert(record.topicPartition)
                } else {
                    toMove.append(record)
                }
            }
            let outgoing = toMove.compactMap { record -> OutgoingRecord? in
                guard let redriven = record.redriven() else {
                    logger.warning(
                        "dead letter without dlq-original-topic left in place", metadata: ["offset": "\(record.offset)"]
                    )
                    return nil
                }
                return redriven
            }
            for result in await producer.send(outgoing) {
                _ = try result.get()
            }
            moved += outgoing.count
            var offsets: [TopicPartition: Int64] = [:]
            for record in toMove {
                offsets[record.topicPartition] = max(offsets[record.topicPartition] ?? 0, record.offset + 1)
            }
            try await consumer.commit(offsets)
        }
        await consumer.close()
        await producer.close()
        return moved
    }
}
