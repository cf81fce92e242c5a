import Foundation

/// Names of the Kafka record headers of the contract.
public enum RecordHeaderName {
    public static let eventID = "event-id"
    public static let eventType = "event-type"
    public static let contentType = "content-type"
    public static let traceparent = "traceparent"
    public static let dlqReason = "dlq-reason"
    public static let dlqError = "dlq-error"
    public static let dlqOriginalTopic = "dlq-original-topic"
    public static let dlqOriginalPartition = "dlq-original-partition"
    public static let dlqOriginalOffset = "dlq-original-offset"
    /// Set when the dead-letter copy had to be cut to fit the dead-letter topic; says what was cut.
    public static let dlqTruncated = "dlq-truncated"
}

/// A record as it goes to Kafka, before a topic is chosen.
public struct EventRecord: Sendable {
    public var key: [UInt8]
    public var value: [UInt8]
    public var headers: [(name: String, value: [UInt8])]

    public init(key: [UInt8], value: [UInt8], headers: [(name: String, value: [UInt8])]) {
        self.key = key
        self.value = value
        self.headers = headers
    }
}

extension AcceptedEvent {
    /// The canonical record: key from `key` or `event_id`, the envelope as the value, and headers.
    public func record(traceparent: String? = nil) -> EventRecord {
        var headers: [(name: String, value: [UInt8])] = [
            (RecordHeaderName.eventID, Array(envelope.eventID.canonicalString.utf8)),
            (RecordHeaderName.eventType, Array(envelope.eventType.utf8)),
            (RecordHeaderName.contentType, Array("application/json".utf8)),
        ]
        if let traceparent {
            headers.append((RecordHeaderName.traceparent, Array(traceparent.utf8)))
        }
        return EventRecord(key: Array(envelope.partitionKey.utf8), value: recordValue, headers: headers)
    }
}

/// Picks the topic of an event: the first route whose prefix matches `event_type`, else the default.
public struct TopicRouter: Sendable, Equatable {
    public struct Route: Sendable, Equatable {
        public let eventTypePrefix: String
        public let topic: String
    }

    public let defaultTopic: String
    public let routes: [Route]

    public init(defaultTopic: String, routes: [Route] = []) {
        self.defaultTopic = defaultTopic
        self.routes = routes
    }

    /// Parses `KAFKA_TOPIC_ROUTES`, e.g. `task.=task-events,reminder.=reminders`.
    public init(defaultTopic: String, routesSpecification: String) throws(TopicRouteError) {
        var routes: [Route] = []
        for entry in routesSpecification.split(separator: ",") {
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let parts = trimmed.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw TopicRouteError(entry: trimmed)
            }
            routes.append(Route(eventTypePrefix: parts[0], topic: parts[1]))
        }
        self.init(defaultTopic: defaultTopic, routes: routes)
    }

    public func topic(forEventType eventType: String) -> String {
        routes.first { eventType.hasPrefix($0.eventTypePrefix) }?.topic ?? defaultTopic
    }

    /// Every topic events can be routed to, default first, without repeats.
    public var allTopics: [String] {
        var topics = [defaultTopic]
        for route in routes where !topics.contains(route.topic) { topics.append(route.topic) }
        return topics
    }
}

public struct TopicRouteError: Error, Sendable, CustomStringConvertible {
    public let entry: String
    public var description: String { "KAFKA_TOPIC_ROUTES entry '\(entry)' is not of the form prefix=topic" }
}
