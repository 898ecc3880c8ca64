// The overview's counts: nodes, containers, services and the pending containers with the
// scheduler's reasons, drawn from one GET /v1/summary answer.
import { byId, el } from "./dom.js";

const containerStates = ["running", "starting", "scheduled", "pending", "exited", "failed", "lost"];
const badWhenAny = new Set(["down", "failed", "lost", "degraded"]);
const warnWhenAny = new Set(["pause", "drain", "pending"]);
const goodWhenAny = new Set(["ready", "running", "healthy"]);

/// A definition list of `name: count`, in `order`.
function counts(list, values, order) {
  list.replaceChildren(
    ...order.flatMap((name) => {
      const n = values[name] ?? 0;
      const tone = n === 0 ? "zero" : badWhenAny.has(name) ? "bad" : warnWhenAny.has(name) ? "warn" : goodWhenAny.has(name) ? "good" : "";
      return [el("dt", {}, name), el("dd", { class: tone, "data-count": name }, n)];
    }),
  );
}

export function renderSummary(summary) {
  const { nodes, containers, services, pending } = summary;
  byId("nodes-total").textContent = String(nodes.total);
  counts(byId("nodes-status"), nodes.byStatus, ["ready", "down"]);
  counts(byId("nodes-availability"), nodes.byAvailability, ["active", "pause", "drain"]);

  byId("containers-total").textContent = String(containers.total);
  counts(byId("containers-state"), containers.byState, containerStates);

  byId("services-total").textContent = String(services.total);
  counts(byId("services-health"), { healthy: services.healthy, degraded: services.degraded }, ["healthy", "degraded"]);
  byId("services-degraded").replaceChildren(
    ...services.degradedItems.map((s) => el("li", { "data-service": s.name }, `${s.name}: ${s.running} of ${s.desired} running`)),
  );

  byId("pending-total").textContent = String(pending.total);
  byId("pending").tBodies[0].replaceChildren(
    ...pending.items.map((c) =>
      el("tr", { "data-container": c.id },
        el("td", {}, el("code", {}, c.name ?? c.id)),
        el("td", {}, c.service ?? "—"),
        el("td", { class: "reason" }, c.reason ?? "not scheduled yet"),
      ),
    ),
  );
  byId("pending-more").textContent =
    pending.total > pending.items.length ? `The oldest ${pending.items.length} of ${pending.total} are shown.` : "";
}
