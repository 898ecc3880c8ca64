import BerthHarness
import Foundation

extension NetworkLab {
    /// One TCP stream of `seconds` with iperf3 from `namespace` to the iperf3 server at
    /// `address:port`, retried (bounded) while the server is not up yet; the receiver's rate in
    /// Gbit/s. Shared by `LabCluster` (container to container) and `berth-bench services`
    /// (through a service VIP and straight to its target).
    public func iperf3(from namespace: String, to address: String, port: Int = 5201, seconds: Int) async throws -> Double {
        struct Report: Decodable {
            struct End: Decodable {
                struct Sum: Decodable { var bits_per_second: Double }
                var sum_received: Sum
            }
            var end: End
        }
        let iperf = try Tools.path("iperf3")
        var last = ""
        for _ in 0..<50 {
            let output = try await runDetached(namespace, [iperf, "-c", address, "-p", "\(port)", "-t", "\(seconds)", "-J"])
            if output.status == 0, let report = try? JSONDecoder().decode(Report.self, from: output.stdout) {
                return report.end.sum_received.bits_per_second / 1e9
            }
            last = String(decoding: output.stdout, as: UTF8.self) + output.stderr
            try await Task.sleep(for: .milliseconds(100))
        }
        throw LabError("iperf3 to \(address):\(port) from \(namespace) failed: \(last.suffix(500))")
    }
}
