import Foundation
import Logging

/// `LOG_LEVEL` and `LOG_FORMAT` (`json` for machines, `text` for people).
public struct LoggingSettings: Sendable {
    public enum Format: String, Sendable {
        case json, text
    }

    public var level: Logger.Level
    public var format: Format

    public init(level: Logger.Level = .info, format: Format = .json) {
        self.level = level
        self.format = format
    }

    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        let levelText = environment.string("LOG_LEVEL", default: "info").lowercased()
        guard let level = Logger.Level(rawValue: levelText == "warn" ? "warning" : levelText) else {
            throw ConfigurationError(
                "LOG_LEVEL=\(levelText) is not one of trace, debug, info, notice, warning, error, critical")
        }
        let formatText = environment.string("LOG_FORMAT", default: "json").lowercased()
        guard let format = Format(rawValue: formatText) else {
            throw ConfigurationError("LOG_FORMAT=\(formatText) is not json or text")
        }
        self.init(level: level, format: format)
    }

    /// Installs the process-wide log handler; call once, first thing.
    public func bootstrap() {
        let level = self.level
        switch format {
        case .json:
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label, logLevel: level) }
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardOutput(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}

/// One JSON object per line on stdout: `ts`, `level`, `logger`, `msg`, then the metadata.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private static let output = LockedOutput()

    public init(label: String, logLevel: Logger.Level) {
        self.label = label
        self.logLevel = logLevel
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var writer = LineWriter()
        writer.field("ts", Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        writer.field("level", event.level.rawValue)
        writer.field("logger", label)
        writer.field("msg", event.message.description)
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            writer.field(key, value.description)
        }
        Self.output.write(writer.finish())
    }

    public func log(
        level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
        function: String, line: UInt
    ) {
        log(
            event: LogEvent(
                level: level, message: message, metadata: metadata, source: source, file: file, function: function,
                line: line))
    }

    private struct LineWriter {
        var text = "{"

        mutating func field(_ key: String, _ value: String) {
            if text.count > 1 { text += "," }
            text += Self.quoted(key) + ":" + Self.quoted(value)
        }

        func finish() -> String { text + "}\n" }

        static func quoted(_ value: String) -> String {
            var result = "\""
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": result += "\\\""
                case "\\": result += "\\\\"
                case "\n": result += "\\n"
                case "\r": result += "\\r"
                case "\t": result += "\\t"
                case let control where control.value < 0x20:
                    result += String(format: "\\u%04x", control.value)
                default: result.unicodeScalars.append(scalar)
                }
            }
            return result + "\""
        }
    }
}

/// Serialises whole lines so concurrent log calls never interleave.
final class LockedOutput: Sendable {
    private let lock = NSLock()

    func write(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardOutput.write(Data(line.utf8))
    }
}
