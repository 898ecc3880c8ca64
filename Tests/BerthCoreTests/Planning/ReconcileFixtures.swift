@testable import BerthCore
import Foundation

/// Builders for reconciler inputs. Time is a fixed `Date` plus offsets: no clock.
enum RecFixture {
    static let t0 = Date(timeIntervalSince1970: 1_000_000)

    static func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }

    static func spec(
        replicas: Int = 3, mode: ServiceMode = .replicated, policy: RestartPolicy = .always, order: UpdateOrder = .stopFirst,
        parallelism: Int = 1, delay: Duration = .zero, constraints: [Constraint] = [], image: String = "nginx:1",
        resources: Resources = Resources(cpu: 100, memory: 64), hostPort: Int? = nil, placement: Placement = Placement()
    ) -> ServiceSpec {
        ServiceSpec(
            mode: mode, replicas: replicas,
            template: ContainerTemplate(
                image: image, resources: resources,
                ports: hostPort.map { [ContainerPort(name: "http", containerPort: 80, hostPort: $0)] } ?? [],
                restartPolicy: policy
            ),
            constraints: constraints, placement: placement,
            update: UpdateConfig(parallelism: parallelism, order: order, delay: delay)
        )
    }

    static func service(_ name: String = "web", version: UInt64 = 1, _ spec: ServiceSpec = spec()) -> ServiceView {
        ServiceView(name: name, spec: spec, templateVersion: version)
    }

    /// The "web" service at version 1.
    static func service(_ spec: ServiceSpec) -> ServiceView {
        ServiceView(name: "web", spec: spec, templateVersion: 1)
    }

    static func container(
        _ id: String, service: String? = "web", node: String? = "n1", state: ContainerState = .running,
        desired: DesiredState = .running, healthy: Bool? = nil, exitCode: Int? = nil, index: UInt64, version: UInt64 = 1,
        attempt: Int = 0, pinned: String? = nil, startedAt: Date? = nil, finishedAt: Date? = nil, reason: String? = nil
    ) -> ContainerView {
        ContainerView(
            id: id, service: service, node: node, state: state, desiredState: desired, healthy: healthy, exitCode: exitCode,
            reason: reason, createIndex: index, templateVersion: version, attempt: attempt, pinnedNode: pinned,
            startedAt: startedAt, finishedAt: finishedAt
        )
    }

    static func node(
        _ name: String, status: NodeStatus = .ready, availability: Availability = .active, labels: [String: String] = [:]
    ) -> NodeState {
        NodeState(name: name, labels: labels, capacity: Resources(cpu: 4000, memory: 8192), status: status, availability: availability)
    }

    static let threeNodes = ["n1", "n2", "n3"].map { node($0) }
}

extension ServicePlan {
    var stopped: [String] { stops.map(\.container) }
}
