// The live event list: the events received since the page opened (the newest 1,000 kept),
// newest first, filtered by kind and by a part of the object's name.
import { el } from "./dom.js";

const kept = 1000;
const shown = 200;

/// A word on what the event did to its object, from the object itself.
function detail(event) {
  const object = event.object ?? {};
  switch (event.kind) {
    case "container":
      return [object.state, object.node && `on ${object.node}`, object.reason].filter(Boolean).join(" · ");
    case "node":
      return [object.status, object.availability].filter(Boolean).join(" · ");
    case "service":
      return object.replicas === undefined ? "" : `${object.replicas} replicas`;
    default:
      return "";
  }
}

export class EventList {
  constructor(list, empty, form) {
    this.list = list;
    this.empty = empty;
    this.form = form;
    this.events = [];
    form.addEventListener("input", () => this.render());
    form.addEventListener("change", () => this.render());
    form.addEventListener("submit", (e) => e.preventDefault());
  }

  add(batch) {
    this.events.unshift(...batch.slice().reverse());
    if (this.events.length > kept) this.events.length = kept;
    this.render();
  }

  clear() {
    this.events = [];
    this.render();
  }

  render() {
    const kind = this.form.elements.kind.value;
    const name = this.form.elements.name.value.trim().toLowerCase();
    const matching = this.events.filter((e) => (!kind || e.kind === kind) && (!name || e.name.toLowerCase().includes(name)));
    this.list.replaceChildren(
      ...matching.slice(0, shown).map((e) =>
        el("li", { "data-kind": e.kind, "data-name": e.name },
          el("span", { class: "index" }, e.index),
          el("span", {}, e.kind),
          el("span", { class: "op-" + e.op }, e.op),
          el("span", {}, e.name, detail(e) ? " — " + detail(e) : ""),
        ),
      ),
    );
    this.empty.hidden = matching.length > 0;
    this.empty.textContent = this.events.length === 0 ? "No events since this page opened." : "No events match the filters.";
  }
}
