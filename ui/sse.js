// A parser of the text/event-stream format, fed text as it arrives in chunks. It returns each
// message once its blank line has come: { id, event, data: [lines] }. A message may hold an id
// alone (the stream's opening resume point); comments (": ping") are skipped.
export class ServerSentEventParser {
  constructor() {
    this.pending = "";
    this.reset();
  }

  reset() {
    this.id = null;
    this.event = null;
    this.data = [];
  }

  push(text) {
    this.pending += text;
    const messages = [];
    let end;
    while ((end = this.pending.indexOf("\n")) >= 0) {
      let line = this.pending.slice(0, end);
      this.pending = this.pending.slice(end + 1);
      if (line.endsWith("\r")) line = line.slice(0, -1);
      if (line === "") {
        if (this.id !== null || this.data.length > 0 || this.event !== null) {
          messages.push({ id: this.id, event: this.event, data: this.data });
        }
        this.reset();
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "data") this.data.push(value);
      else if (field === "id") this.id = value;
      else if (field === "event") this.event = value;
    }
    return messages;
  }
}
