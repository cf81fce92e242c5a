import Foundation

/// Reads a schema directory. The only file-system code of the registry, kept apart so that it can
/// move (e.g. to a Glibc-only implementation) without touching the rest; EventModel already links
/// Foundation for `UUID`.
enum SchemaDirectory {
    struct File {
        let key: SchemaKey
        let path: String
        let bytes: [UInt8]
    }

    /// Entries that are not contracts but may legitimately sit in the directory.
    private static func isIgnored(_ name: String, topLevel: Bool) -> Bool {
        name.hasPrefix(".") || (topLevel && name == "README.md")
    }

    static func read(_ directory: String) throws(SchemaLoadError) -> [File] {
        var files: [File] = []
        for typeName in try list(directory) where !isIgnored(typeName, topLevel: true) {
            let typePath = directory + "/" + typeName
            guard isDirectory(typePath) else {
                throw failure(typePath, "unexpected file; expected a directory named after an event type")
            }
            if let problem = SchemaKey(eventType: typeName, eventVersion: "1").problem {
                throw failure(typePath, "unexpected directory: \(problem)")
            }
            for fileName in try list(typePath) where !isIgnored(fileName, topLevel: false) {
                let path = typePath + "/" + fileName
                guard fileName.hasSuffix(".json"), !isDirectory(path) else {
                    throw failure(path, "unexpected entry; expected <event_version>.json files only")
                }
                let key = SchemaKey(eventType: typeName, eventVersion: String(fileName.dropLast(5)))
                if let problem = key.problem { throw failure(path, "unexpected file name: \(problem)") }
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw failure(path, "cannot be read")
                }
                files.append(File(key: key, path: path, bytes: [UInt8](data)))
            }
        }
        return files
    }

    private static func list(_ path: String) throws(SchemaLoadError) -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        } catch {
            throw failure(path, "cannot list the directory")
        }
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    private static func failure(_ path: String, _ reason: String) -> SchemaLoadError {
        SchemaLoadError(file: path, pointer: "", keyword: nil, reason: reason)
    }
}
