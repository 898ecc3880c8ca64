@testable import BerthCore
import Foundation

/// An in-memory control plane: nodes, services and containers, with the three planners run
/// over it and their plans applied the way the store applies them, plus a trivial "agent" per
/// live node that starts what is scheduled and stops what is told to stop.
struct SimCluster {
    struct Node {
        var name: String
        var labels: [String: String]
        var capacity: Resources
        var status: NodeStatus = .ready
        var availability: Availability = .active
        var lastHeartbeat: Date?
        /// Whether the machine is up and its agent heartbeats.
        var alive = true
    }

    struct Box {
        var view: ContainerView
        var resources: Resources
        var hostPorts: [Int]
    }

    var now: Date
    var nodes: [String: Node] = [:]
    var services: [String: ServiceView] = [:]
    var containers: [String: Box] = [:]
    var nextIndex: UInt64 = 1
    var lifecycle = NodeLifecycle(timeout: .seconds(15))
    var scheduler = Scheduler()
    let reconciler = ServiceReconciler()

    init(now: Date) { self.now = now }

    mutating func takeIndex() -> UInt64 {
        defer { nextIndex += 1 }
        return nextIndex
    }

    // MARK: - Building the world

    mutating func addNode(_ name: String, labels: [String: String] = [:], cpu: Int = 4000, memory: Int = 8192) {
        nodes[name] = Node(name: name, labels: labels, capacity: Resources(cpu: cpu, memory: memory), lastHeartbeat: now)
    }

    mutating func putService(_ name: String, _ spec: ServiceSpec) {
        let version = services[name].map { $0.spec.template == spec.template ? $0.templateVersion : nextIndex } ?? nextIndex
        services[name] = ServiceView(name: name, spec: spec, templateVersion: version)
        _ = takeIndex()
    }

    /// Adds a container as it would be after some history; returns its id.
    @discardableResult
    mutating func addContainer(
        service: String?, node: String?, state: ContainerState, desired: DesiredState = .running, version: UInt64? = nil,
        resources: Resources = ContainerTemplate.defaultResources, hostPorts: [Int] = [], exitCode: Int? = nil,
        healthy: Bool? = nil, pinned: String? = nil, startedAt: Date? = nil, finishedAt: Date? = nil
    ) -> String {
        let index = takeIndex()
        let id = "c\(index)"
        let view = ContainerView(
            id: id, service: service, node: node, state: state, desiredState: desired, healthy: healthy, exitCode: exitCode,
            createIndex: index, templateVersion: version ?? service.flatMap { services[$0]?.templateVersion } ?? 0,
            pinnedNode: pinned, startedAt: startedAt ?? (state == .running ? now : nil), finishedAt: finishedAt
        )
        containers[id] = Box(view: view, resources: resources, hostPorts: hostPorts)
        return id
    }

    // MARK: - What the planners see

    var views: [ContainerView] {
        containers.values.map(\.view).sorted { $0.createIndex != $1.createIndex ? $0.createIndex < $1.createIndex : $0.id < $1.id }
    }

    var nodeStates: [NodeState] {
        var allocated: [String: Resources] = [:]
        var perService: [String: [String: Int]] = [:]
        var ports: [String: Set<Int>] = [:]
        var counts: [String: Int] = [:]
        for box in containers.values {
            guard let node = box.view.node, !box.view.state.isTerminal else { continue }
            allocated[node, default: .zero] = allocated[node, default: .zero] + box.resources
            if let service = box.view.service { perService[node, default: [:]][service, default: 0] += 1 }
            ports[node, default: []].formUnion(box.hostPorts)
            counts[node, default: 0] += 1
        }
        return nodes.values.sorted { $0.name < $1.name }.map { node in
            NodeState(
                name: node.name, address: "10.0.0.1", labels: node.labels, capacity: node.capacity,
                allocated: allocated[node.name] ?? .zero, status: node.status, availability: node.availability,
                perService: perService[node.name] ?? [:], usedHostPorts: ports[node.name] ?? [],
                containers: counts[node.name] ?? 0, hasSubnet: true
            )
        }
    }

    var health: [NodeLifecycle.NodeHealth] {
        nodes.values.sorted { $0.name < $1.name }.map {
            .init(name: $0.name, status: $0.status, availability: $0.availability, lastHeartbeat: $0.lastHeartbeat)
        }
    }

    /// Pending containers as the cluster state queues them: oldest first, with their service's rules.
    var pendingRequests: [PlacementRequest] {
        views.filter { $0.state == .pending && $0.desiredState == .running }.map { view in
            let box = containers[view.id]!
            var request = PlacementRequest(
                container: view.id, service: view.service, resources: box.resources, hostPorts: box.hostPorts, pinnedNode: view.pinnedNode
            )
            if let service = view.service.flatMap({ services[$0] }) {
                request.constraints = service.spec.constraints
                request.preferences = service.spec.placement.preferences.map { WeightedConstraint($0.constraint, weight: $0.weight) }
                request.strategy = service.spec.placement.strategy
                request.spreadBy = service.spec.placement.spreadBy
                request.maxPerNode = service.spec.placement.maxPerNode
            }
            return request
        }
    }

    // MARK: - Planning and applying

    func planLifecycle() -> NodeLifecycle.Plan {
        lifecycle.plan(nodes: health, containers: views, now: now)
    }

    func planServices() -> ServicePlan {
        reconciler.plan(services: Array(services.values), containers: views, nodes: nodeStates, now: now)
    }

    func planSchedule() -> SchedulePlan {
        scheduler.plan(requests: pendingRequests, nodes: nodeStates)
    }

    mutating func apply(_ plan: NodeLifecycle.Plan) {
        for name in plan.markDown { nodes[name]?.status = .down }
        for (id, reason) in plan.lose {
            guard var box = containers[id], !box.view.state.isTerminal else { continue }
            box.view.state = .lost
            box.view.desiredState = .stopped
            box.view.reason = reason
            box.view.finishedAt = now
            box.view.healthy = nil
            containers[id] = box
        }
        for (id, reason) in plan.stop {
            containers[id]?.view.desiredState = .stopped
            containers[id]?.view.reason = reason
        }
    }

    /// Applies a service plan as PlanApplier does: creates, removes, stops, notes.
    mutating func apply(_ plan: ServicePlan) {
        for create in plan.creates {
            guard let service = services[create.service] else { continue }
            let template = service.spec.template
            let index = takeIndex()
            let view = ContainerView(
                id: "c\(index)", service: service.name, reason: create.reason ?? "waiting for the scheduler", createIndex: index,
                templateVersion: service.templateVersion, attempt: create.attempt, pinnedNode: create.pinnedNode
            )
            containers[view.id] = Box(view: view, resources: template.resources, hostPorts: template.staticHostPorts)
        }
        for id in plan.removes { containers[id] = nil }
        for stop in plan.stops {
            containers[stop.container]?.view.desiredState = .stopped
            containers[stop.container]?.view.reason = stop.reason
        }
        for (id, note) in plan.notes { containers[id]?.view.reason = note }
    }

    /// Applies placements as PendingPlacements does: only still-pending containers, only onto
    /// ready, active nodes. Capacity is deliberately not re-checked here, so an overcommitting
    /// plan shows up in the invariants instead of being silently refused.
    mutating func apply(_ plan: SchedulePlan) {
        for assignment in plan.assignments {
            guard let node = nodes[assignment.node], node.status == .ready, node.availability == .active,
                  var box = containers[assignment.container], box.view.state == .pending, box.view.desiredState == .running
            else { continue }
            box.view.node = assignment.node
            box.view.state = .scheduled
            box.view.reason = nil
            containers[assignment.container] = box
        }
        for (id, reason) in plan.unschedulable { containers[id]?.view.reason = reason }
    }

    /// Live nodes heartbeat (a down node that heartbeats is ready again).
    mutating func heartbeat() {
        for name in nodes.keys where nodes[name]!.alive {
            nodes[name]!.lastHeartbeat = now
            nodes[name]!.status = .ready
        }
    }

    /// Each live node's agent: starts what is scheduled, stops what is told to stop, and stops
    /// the stale copies of containers that were lost while the node was away.
    mutating func runAgents() {
        for id in containers.keys.sorted() {
            var box = containers[id]!
            guard let name = box.view.node, let node = nodes[name], node.alive else { continue }
            if box.view.desiredState == .stopped {
                if !box.view.state.isTerminal || box.view.state == .lost {
                    if !box.view.state.isTerminal { box.view.finishedAt = now }
                    box.view.state = .exited
                    box.view.exitCode = box.view.exitCode ?? 0
                    box.view.healthy = nil
                }
            } else if box.view.state == .scheduled || box.view.state == .starting {
                box.view.state = .running
                box.view.startedAt = now
                box.view.healthy = true
            }
            containers[id] = box
        }
    }

    /// A running container ends by itself.
    mutating func exit(_ id: String, code: Int) {
        guard var box = containers[id], box.view.state == .running else { return }
        box.view.state = .exited
        box.view.exitCode = code
        box.view.finishedAt = now
        box.view.healthy = nil
        containers[id] = box
    }

    /// One round of the control plane: heartbeats, node lifecycle, services, scheduler, agents.
    @discardableResult
    mutating func round() -> (lifecycle: NodeLifecycle.Plan, services: ServicePlan, schedule: SchedulePlan) {
        heartbeat()
        let lifecyclePlan = planLifecycle()
        apply(lifecyclePlan)
        let servicePlan = planServices()
        apply(servicePlan)
        let schedulePlan = planSchedule()
        apply(schedulePlan)
        runAgents()
        return (lifecyclePlan, servicePlan, schedulePlan)
    }

    // MARK: - Questions tests ask

    func active(of service: String) -> [ContainerView] {
        views.filter { $0.service == service && $0.isActive }
    }

    func running(of service: String, version: UInt64? = nil) -> [ContainerView] {
        views.filter { $0.service == service && $0.state == .running && $0.desiredState == .running
            && (version == nil || $0.templateVersion == version) }
    }
}
