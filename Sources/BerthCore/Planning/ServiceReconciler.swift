import Foundation

/// Keeps each service at its desired shape: a pure function from (services, containers,
/// nodes, now) to a plan, the same plan for the same input, never told what changed.
///
/// Per service it restarts ended replicas under the restart policy with backoff, fills missing
/// slots, scales down the least useful first (ended, pending, unhealthy, newest), moves
/// replicas off draining nodes by replacing them before stopping them, and rolls template
/// changes out `update.parallelism` at a time, stop-first or start-first.
public struct ServiceReconciler: Sendable {
    public init() {}

    public func plan(services: [ServiceView], containers: [ContainerView], nodes: [NodeState], now: Date) -> ServicePlan {
        var plan = ServicePlan()
        var byService: [String: [ContainerView]] = [:]
        for container in containers {
            if let service = container.service { byService[service, default: []].append(container) }
        }
        let nodesByName = Dictionary(nodes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let known = Set(services.map(\.name))
        for service in services.sorted(by: { $0.name < $1.name }) {
            let mine = (byService[service.name] ?? []).sorted { $0.createIndex != $1.createIndex ? $0.createIndex < $1.createIndex : $0.id < $1.id }
            var slots = Slots(service: service, containers: mine, nodes: nodesByName, now: now)
            slots.restartEnded(into: &plan)
            switch service.spec.mode {
            case .replicated: slots.reconcileReplicated(into: &plan)
            case .global: slots.reconcileGlobal(nodes: nodes, into: &plan)
            }
        }
        // Containers whose service is gone: stop what runs, remove what never ran.
        for (service, orphans) in byService.sorted(by: { $0.key < $1.key }) where !known.contains(service) {
            for container in orphans {
                if container.node == nil || container.state.isTerminal {
                    if container.desiredState == .stopped || container.node == nil { plan.removes.append(container.id) }
                } else if container.desiredState == .running {
                    plan.stops.append(.init(container: container.id, reason: "service \(service) was deleted"))
                }
            }
        }
        // Ended containers told to stop are history: remove them (the event log keeps it).
        for container in containers where container.service != nil && container.desiredState == .stopped
            && (container.state == .exited || container.state == .failed || (container.state == .lost && container.node == nil))
            && !plan.removes.contains(container.id) {
            plan.removes.append(container.id)
        }
        return plan
    }
}

/// One service's containers, sorted into what they mean for its slots.
private struct Slots {
    let service: ServiceView
    let nodes: [String: NodeState]
    let now: Date
    /// Wanted and not ended.
    var active: [ContainerView] = []
    /// Ended, replaced after a backoff that has not run out yet.
    var waiting: [ContainerView] = []
    /// Ended for good under the restart policy: the slot is done.
    var done: [ContainerView] = []

    init(service: ServiceView, containers: [ContainerView], nodes: [String: NodeState], now: Date) {
        self.service = service
        self.nodes = nodes
        self.now = now
        for container in containers where container.desiredState == .running {
            if container.state.isTerminal {
                if RestartBackoff.shouldRestart(container, policy: service.spec.template.restartPolicy) {
                    waiting.append(container)
                } else {
                    done.append(container)
                }
            } else {
                active.append(container)
            }
        }
    }

    var spec: ServiceSpec { service.spec }

    func isOutdated(_ c: ContainerView) -> Bool { c.templateVersion < service.templateVersion }

    /// On a node that is draining (or gone): to be replaced elsewhere, then stopped.
    func isEvicting(_ c: ContainerView) -> Bool {
        guard let name = c.node else { return false }
        guard let node = nodes[name] else { return true }
        return node.availability == .drain
    }

    /// Replaces ended replicas whose backoff has run out; notes the wait on the others.
    mutating func restartEnded(into plan: inout ServicePlan) {
        var stillWaiting: [ContainerView] = []
        for container in waiting {
            let attempt = RestartBackoff.nextAttempt(after: container)
            let delay = container.state == .lost ? 0 : RestartBackoff.delay(attempt: attempt - 1)
            let due = (container.finishedAt ?? now).addingTimeInterval(delay)
            let what = container.state == .lost ? "lost" : container.state == .failed ? "failed" : "exited with code \(container.exitCode ?? 0)"
            if due <= now {
                plan.removes.append(container.id)
                plan.creates.append(.init(
                    service: service.name, pinnedNode: container.pinnedNode, attempt: attempt,
                    reason: "replaces \(container.id) (\(what)), attempt \(attempt)"
                ))
            } else {
                stillWaiting.append(container)
                plan.wake(at: due, for: service.name)
                let note = "\(what); restart attempt \(attempt) after \(String(format: "%.1f", delay))s backoff"
                if container.reason != note { plan.notes[container.id] = note }
            }
        }
        waiting = stillWaiting
    }

    mutating func reconcileReplicated(into plan: inout ServicePlan) {
        let replicas = spec.replicas
        let replacedNow = plan.creates.filter { $0.service == service.name }.count
        let evicting = active.filter(isEvicting)
        let staying = active.filter { !isEvicting($0) }
        let occupying = staying.count + waiting.count + done.count + replacedNow
        let outdated = staying.filter(isOutdated)
        let fresh = staying.filter { !isOutdated($0) }
        let freshStarting = fresh.filter { $0.state != .running }.count

        if occupying < replicas {
            for _ in 0..<(replicas - occupying) {
                plan.creates.append(.init(service: service.name, pinnedNode: nil, attempt: 0, reason: nil))
            }
        } else if occupying > replicas {
            var excess = occupying - replicas
            // Replacements for ended replicas planned above are the least useful slots of all:
            // drop them before touching a live replica (the ended containers are still removed).
            while excess > 0, let i = plan.creates.lastIndex(where: { $0.service == service.name }) {
                plan.creates.remove(at: i)
                excess -= 1
            }
            if excess == 0 {
                // Nothing left over.
            } else if spec.update.order == .startFirst, !outdated.isEmpty {
                // The surge of a start-first rollout: retire old replicas once the new ones run.
                if freshStarting == 0 { stop(Array(rank(outdated).prefix(excess)), reason: "replaced by the new template", into: &plan) }
            } else {
                scaleDown(excess, staying: staying, into: &plan)
            }
        } else if !outdated.isEmpty, freshStarting == 0, rolloutDelayPassed(fresh, into: &plan) {
            let batch = Array(rank(outdated).prefix(spec.update.parallelism))
            switch spec.update.order {
            case .stopFirst:
                stop(batch, reason: "replaced by the new template", into: &plan)
            case .startFirst:
                for _ in batch { plan.creates.append(.init(service: service.name, pinnedNode: nil, attempt: 0, reason: "rolling out the new template")) }
            }
        }
        // Drain: stop replicas on draining nodes only once their replacements run.
        let runningStaying = staying.filter { $0.state == .running }.count
        let stoppable = max(0, min(evicting.count, runningStaying + evicting.count - replicas))
        stop(Array(evicting.prefix(stoppable)), reason: "node draining; replaced elsewhere", into: &plan)
    }

    mutating func reconcileGlobal(nodes all: [NodeState], into plan: inout ServicePlan) {
        let constraints = spec.constraints
        let eligible = all.filter { node in
            node.status == .ready && node.availability == .active && constraints.allSatisfy(node.matches)
        }.map(\.name)
        var onNode: [String: [ContainerView]] = [:]
        for container in active {
            if let node = container.pinnedNode ?? container.node { onNode[node, default: []].append(container) }
        }
        let waitingOn = Set(waiting.compactMap { $0.pinnedNode ?? $0.node }
            + plan.creates.filter { $0.service == service.name }.compactMap(\.pinnedNode))
        let doneOn = Set(done.compactMap { $0.pinnedNode ?? $0.node })
        for node in eligible where onNode[node] == nil && !waitingOn.contains(node) && !doneOn.contains(node) {
            plan.creates.append(.init(service: service.name, pinnedNode: node, attempt: 0, reason: nil))
        }
        var outdated: [ContainerView] = []
        var fresh: [ContainerView] = []
        // Nodes whose container is being made in this pass are part of the rollout in flight.
        var freshStarting = plan.creates.filter { $0.service == service.name }.count
        for (node, containers) in onNode.sorted(by: { $0.key < $1.key }) {
            let keep = nodes[node].map { $0.status == .ready && $0.availability != .drain && constraints.allSatisfy($0.matches) } ?? false
            if !keep {
                stop(containers, reason: "node \(node) is no longer eligible for global service \(service.name)", into: &plan)
                continue
            }
            let ranked = rank(containers).reversed() as [ContainerView]  // most useful first
            stop(Array(ranked.dropFirst()), reason: "one container per node for a global service", into: &plan)
            if let first = ranked.first {
                if isOutdated(first) {
                    outdated.append(first)
                } else {
                    fresh.append(first)
                    if first.state != .running { freshStarting += 1 }
                }
            }
        }
        if !outdated.isEmpty, freshStarting == 0, rolloutDelayPassed(fresh, into: &plan) {
            stop(Array(outdated.prefix(spec.update.parallelism)), reason: "replaced by the new template", into: &plan)
        }
    }

    /// Scale down: ended and waiting slots first, then pending, unhealthy, and newest.
    private mutating func scaleDown(_ count: Int, staying: [ContainerView], into plan: inout ServicePlan) {
        var left = count
        for container in waiting + done where left > 0 {
            plan.removes.append(container.id)
            left -= 1
        }
        for container in rank(staying) where left > 0 {
            if container.node == nil {
                plan.removes.append(container.id)
            } else {
                plan.stops.append(.init(container: container.id, reason: "scaled down to \(spec.replicas)"))
            }
            left -= 1
        }
    }

    /// Least useful first: unplaced, then unhealthy, then not yet running, then newest.
    private func rank(_ containers: [ContainerView]) -> [ContainerView] {
        containers.sorted { a, b in
            func usefulness(_ c: ContainerView) -> Int {
                if c.node == nil { return 0 }
                if c.healthy == false { return 1 }
                if c.state != .running { return 2 }
                return 3
            }
            let (ua, ub) = (usefulness(a), usefulness(b))
            if ua != ub { return ua < ub }
            return a.createIndex != b.createIndex ? a.createIndex > b.createIndex : a.id > b.id
        }
    }

    private func stop(_ containers: [ContainerView], reason: String, into plan: inout ServicePlan) {
        for container in containers where container.desiredState == .running {
            if container.node == nil {
                plan.removes.append(container.id)
            } else {
                plan.stops.append(.init(container: container.id, reason: reason))
            }
        }
    }

    /// `update.delay` after the last new replica started, before the next batch.
    private func rolloutDelayPassed(_ fresh: [ContainerView], into plan: inout ServicePlan) -> Bool {
        let delay = spec.update.delay
        guard delay > .zero, let last = fresh.compactMap(\.startedAt).max() else { return true }
        let due = last.addingTimeInterval(delay.timeInterval)
        if due <= now { return true }
        plan.wake(at: due, for: service.name)
        return false
    }
}
