import BerthStore
import Logging

/// The periodic IPAM repair pass: reclaims leaked leases and reports inconsistencies.
public struct IPAMRepairController: Sendable {
    let store: Store
    let logger: Logger

    public init(store: Store, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    @discardableResult
    public func pass() async throws -> [String] {
        let findings = try await store.write { tx in try LeaseRepair.repair(tx) }
        for finding in findings { logger.warning("ipam repair", metadata: ["finding": "\(finding)"]) }
        return findings
    }
}
