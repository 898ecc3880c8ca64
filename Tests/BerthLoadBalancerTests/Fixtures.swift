import BerthCore
import Foundation
@testable import BerthLoadBalancer

/// Small builders so each table row reads as the targets it describes.
enum Fixtures {
    static func target(
        _ container: String, ip: String? = nil, port: Int = 8080, host: String = "192.168.1.21", hostPort: Int? = nil
    ) -> ServiceTargets.Target {
        ServiceTargets.Target(container: container, node: "node-1", ip: ip, port: port, hostAddress: host, hostPort: hostPort)
    }

    static func service(
        _ name: String, _ targets: [ServiceTargets.Target], algorithm: LoadBalancerAlgorithm = .roundRobin,
        ports: [ServicePort] = [ServicePort(port: 80, targetPort: 8080)], index: UInt64 = 42
    ) -> WatchedService {
        WatchedService(
            name: name,
            targets: ServiceTargets(service: name, vip: "10.96.0.10", ports: ports, loadBalancer: LoadBalancer(algorithm: algorithm), targets: targets),
            index: index
        )
    }

    static func missing(_ name: String, index: UInt64 = 7) -> WatchedService {
        WatchedService(name: name, targets: nil, index: index)
    }

    /// A fresh directory under the system temp dir, removed by the caller.
    static func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("berth-lb-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
