import Glibc

/// Binds `port` once, as the HTTP server will (with `SO_REUSEADDR`), and releases it: a port that
/// is taken or forbidden stops the program with a one-line reason before it joins anything,
/// instead of a group member without its probes.
public func checkPortCanBeBound(host: String = "0.0.0.0", port: Int, variable: String) throws(ConfigurationError) {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { return }
    defer { close(descriptor) }
    var reuse: Int32 = 1
    setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(clamping: port).bigEndian)
    // A host name (not an IPv4 literal) is left to the server to resolve; the port still counts.
    if inet_pton(AF_INET, host, &address.sin_addr) != 1 { address.sin_addr.s_addr = INADDR_ANY }
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard result == 0 else {
        let reason = String(cString: strerror(errno))
        throw ConfigurationError("\(variable)=\(port) cannot be bound on \(host): \(reason)")
    }
}
