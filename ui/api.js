// Calls to Berth's API on this origin, with the session's token as a bearer header. Errors
// carry the API's status, code and message ({"error":{"code","message"}}).
import { token } from "./session.js";

export class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }

  static async from(response) {
    let code = "http_" + response.status;
    let message = response.statusText || "request failed";
    try {
      const body = await response.json();
      code = body.error?.code ?? code;
      message = body.error?.message ?? message;
    } catch {
      // Not the API's JSON error body (a proxy's page): keep the status line.
    }
    return new APIError(response.status, code, message);
  }

  get isAuth() {
    return this.status === 401 || this.status === 403;
  }
}

/// The request options every call uses: the bearer header, no cookies, no cache.
export function requestOptions(accept, signal) {
  return {
    headers: { Authorization: "Bearer " + token(), Accept: accept },
    credentials: "omit",
    cache: "no-store",
    signal,
  };
}

/// GET a JSON answer: its body and its X-Berth-Index.
export async function getJSON(path, signal) {
  const response = await fetch(path, requestOptions("application/json", signal));
  if (!response.ok) throw await APIError.from(response);
  return { body: await response.json(), index: Number(response.headers.get("X-Berth-Index") ?? 0) };
}
