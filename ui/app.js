// The dashboard's entry: sign in with a token, then the overview follows the cluster live —
// the event stream feeds the event list, and each burst of events re-reads the summary.
import * as session from "./session.js";
import { APIError, getJSON } from "./api.js";
import { byId } from "./dom.js";
import { EventList } from "./events.js";
import { renderSummary } from "./overview.js";
import { coalesce } from "./schedule.js";
import { followEvents } from "./stream.js";

const events = new EventList(byId("events"), byId("events-empty"), byId("event-filters"));
let stopFollowing = null;
let shownIndex = 0;

function setConnection(text, tone = "") {
  const status = byId("connection");
  status.textContent = text;
  status.className = tone;
}

async function refresh() {
  const { body } = await getJSON("/v1/summary");
  // Answers can cross: never draw an older summary over a newer one.
  if (body.index >= shownIndex) {
    shownIndex = body.index;
    renderSummary(body);
  }
  return body.index;
}

const refreshSoon = coalesce(() => refresh().catch(failed), 250);

function showLogin(message = "") {
  byId("overview").hidden = true;
  byId("sign-out").hidden = true;
  byId("login").hidden = false;
  byId("login-error").textContent = message;
  setConnection("Signed out");
  byId("token").focus();
}

function showOverview() {
  byId("login").hidden = true;
  byId("overview").hidden = false;
  byId("sign-out").hidden = false;
  byId("login-error").textContent = "";
}

function stop() {
  stopFollowing?.();
  stopFollowing = null;
}

function failed(error) {
  if (error instanceof APIError && error.isAuth) {
    stop();
    session.forget();
    showLogin(`${error.message} (${error.status})`);
  } else {
    setConnection("Error: " + error.message, "lost");
  }
}

async function start() {
  stop();
  events.clear();
  shownIndex = 0;
  setConnection("Connecting…");
  try {
    const index = await refresh();
    showOverview();
    stopFollowing = followEvents({
      after: index,
      onEvents: (batch, at) => {
        events.add(batch);
        setConnection(`Live · index ${at}`, "live");
        refreshSoon();
      },
      onStatus: (state, detail) => {
        if (state === "live") setConnection(`Live · index ${shownIndex}`, "live");
        else if (state === "denied") failed(new APIError(401, "unauthenticated", detail));
        else setConnection("Reconnecting…", "lost");
      },
      onGap: refreshSoon,
    });
  } catch (error) {
    failed(error);
  }
}

byId("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const secret = byId("token").value.trim();
  if (!secret) return;
  session.remember(secret);
  byId("token").value = "";
  start();
});

byId("sign-out").addEventListener("click", () => {
  stop();
  session.forget();
  events.clear();
  showLogin();
});

if (session.token()) start();
else showLogin();
