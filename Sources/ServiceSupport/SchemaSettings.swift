import EventModel

/// `SCHEMA_DIR` and `SCHEMA_POLICY`, read by both programs: the event contracts are compiled once
/// at start, and a directory that cannot be loaded stops the program with a one-line reason.
public struct SchemaSettings: Sendable {
    public var directory: String?
    public var policy: SchemaPolicy

    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        directory = environment.optionalString("SCHEMA_DIR")
        let text = environment.string("SCHEMA_POLICY", default: SchemaPolicy.registered.rawValue)
        guard let policy = SchemaPolicy(rawValue: text) else {
            throw ConfigurationError("SCHEMA_POLICY=\(text) is not one of registered, strict")
        }
        guard directory != nil || policy == .registered else {
            throw ConfigurationError(
                "SCHEMA_POLICY=strict needs SCHEMA_DIR: without contracts every event would be refused")
        }
        self.policy = policy
    }

    /// The compiled contracts, or `nil` when `SCHEMA_DIR` is unset.
    public func loadRegistry() throws(ConfigurationError) -> SchemaRegistry? {
        guard let directory else { return nil }
        do {
            return try SchemaRegistry.load(directory: directory, policy: policy)
        } catch {
            throw ConfigurationError("SCHEMA_DIR=\(directory) cannot be loaded: \(error)")
        }
    }
}
