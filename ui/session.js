// The API token: kept in this tab's sessionStorage only (gone when the tab closes), never in a
// URL or a cookie, and sent to this server only, as a bearer header (see api.js).
const key = "berth.token";

export function token() {
  return sessionStorage.getItem(key);
}

export function remember(secret) {
  sessionStorage.setItem(key, secret);
}

export function forget() {
  sessionStorage.removeItem(key);
}
