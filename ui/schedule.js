// Runs a task at most once per `delay`, however often it is asked for: a burst of events
// becomes one summary request, and a request still running when asked again is followed by
// one more, so the page always ends on the latest state.
export function coalesce(task, delay) {
  let timer = null;
  let running = false;
  let again = false;

  async function run() {
    timer = null;
    running = true;
    try {
      await task();
    } finally {
      running = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  }

  function schedule() {
    if (running) {
      again = true;
      return;
    }
    if (timer === null) timer = setTimeout(run, delay);
  }

  return schedule;
}
