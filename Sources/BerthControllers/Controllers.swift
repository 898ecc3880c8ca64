import BerthCore
import BerthStore
import Foundation
import Logging
import ServiceLifecycle

/// The reconciliation loops of `berth serve`, ready for a service group.
public enum Controllers {
    public struct Options: Sendable {
        public var nodeTimeout: Duration = .seconds(15)
        public var resync: Duration = .seconds(10)
        public var repairInterval: Duration = .seconds(30)

        public init() {}
    }

    /// The loops, all deciding from one in-memory `state` of the store they write to.
    public static func loops(state: ClusterState, options: Options, logger: Logger) -> [ReconcileLoop] {
        let store = state.store
        let scheduler = SchedulerController(state: state, logger: logger)
        let services = ServiceController(state: state, logger: logger)
        let jobs = JobController(state: state, logger: logger)
        let nodes = NodeLifecycleController(state: state, timeout: options.nodeTimeout, logger: logger)
        let repair = IPAMRepairController(store: store, logger: logger)
        return [
            ReconcileLoop(name: "node-lifecycle", store: store, watch: WatchFilter(kinds: []), resync: .seconds(1), logger: logger) {
                try await nodes.pass()
            },
            ReconcileLoop(name: "services", store: store, watch: WatchFilter(kinds: [.service, .container, .node]), resync: options.resync, minInterval: .milliseconds(250), logger: logger) {
                try await services.pass()
            },
            ReconcileLoop(name: "jobs", store: store, watch: WatchFilter(kinds: [.job, .container]), resync: options.resync, minInterval: .milliseconds(100), logger: logger) {
                try await jobs.pass()
            },
            ReconcileLoop(name: "scheduler", store: store, watch: WatchFilter(kinds: [.container, .node, .service]), resync: options.resync, minInterval: .milliseconds(50), logger: logger) {
                try await scheduler.pass()
                return .init()
            },
            ReconcileLoop(name: "ipam-repair", store: store, watch: WatchFilter(kinds: []), resync: options.repairInterval, logger: logger) {
                try await repair.pass()
                return .init()
            },
        ]
    }
}
