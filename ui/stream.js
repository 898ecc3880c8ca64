// Follows /v1/events/stream with fetch() and a streaming body reader (a browser's EventSource
// cannot send a bearer header). Each change index arrives whole; after a drop it reconnects
// from the last index received, so nothing is lost or repeated. A quiet stream gets a ping
// every 15 s: silence for 45 s means a dead connection, which is dropped and reopened.
import { APIError, requestOptions } from "./api.js";
import { ServerSentEventParser } from "./sse.js";

const silenceLimit = 45_000;

/// Starts following after `after`; returns a function that stops. Callbacks:
/// onEvents(events, index), onStatus("live" | "reconnecting" | "denied", detail),
/// onGap() when the resume point was compacted away (the stream restarts from now).
export function followEvents({ after, onEvents, onStatus, onGap }) {
  let last = after;
  let stopped = false;
  let current = null;

  async function connect() {
    const controller = new AbortController();
    current = controller;
    let watchdog = setTimeout(() => controller.abort(), silenceLimit);
    const path = last === null ? "/v1/events/stream" : "/v1/events/stream?after=" + last;
    try {
      const response = await fetch(path, requestOptions("text/event-stream", controller.signal));
      if (!response.ok) throw await APIError.from(response);
      onStatus("live");
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      const parser = new ServerSentEventParser();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        clearTimeout(watchdog);
        watchdog = setTimeout(() => controller.abort(), silenceLimit);
        for (const message of parser.push(value)) {
          if (message.event === "error") {
            last = null;
            onGap();
            return;
          }
          if (message.id !== null) last = Number(message.id);
          if (message.data.length > 0) onEvents(message.data.map((line) => JSON.parse(line)), last);
        }
      }
    } finally {
      clearTimeout(watchdog);
    }
  }

  (async () => {
    let delay = 1000;
    while (!stopped) {
      try {
        await connect();
        delay = 1000;
      } catch (error) {
        if (stopped) return;
        if (error instanceof APIError && error.isAuth) {
          onStatus("denied", error.message);
          return;
        }
      }
      if (stopped) return;
      onStatus("reconnecting");
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 15_000);
    }
  })();

  return () => {
    stopped = true;
    current?.abort();
  };
}
