"""JavaScript the benchmark installs in the page to time each interaction precisely.

``arm(expected)`` is called just before a click. It notes the newest transaction's id,
takes the click's time from the click event's own ``timeStamp`` (when the browser created
the event, on the ``performance.now()`` clock; a capture listener on the document reads it
before the app's own handler, and a renderer busy when the click arrives no longer shortens
the figure by the time the listener waited), and then watches the list ``transactions``: a
MutationObserver notes the time of the DOM change that makes the newest item a *new* one
whose ``transaction-amount`` reads ``expected`` (``latency_ms``); the first animation frame
after it (``painted_ms``) is when the change reaches the screen; a 50 ms interval started
at the click notes when polling (the original's method) would have seen it. A second
observer notes when the form's status line (``deposit-status`` / ``transfer-status``)
turns ``ok`` or ``error``: the command's own answer (handler feedback through the backend),
which splits the time between the command path and the ``balance_changed`` path. All
times use the page's monotonic clock, so Python's own scheduling adds nothing to them.

``arm(expected, statusId, traced)`` with ``traced`` false sends the click's operation with
its ``traceparent`` marked not sampled (flags ``00``), rewritten in the WebSocket message as
it leaves: no service traces it, while the page itself runs unchanged.
"""

from __future__ import annotations

__all__ = ["ARM", "DISARM", "INSTALL", "READ", "SETTLED"]

INSTALL = """
() => {
  const newest = (list) => list.querySelector('[data-testid="transaction"]');
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (window.__bench.untraced && typeof data === "string" && data.includes("traceparent")) {
      const message = JSON.parse(data);
      const extensions = message.payload && message.payload.extensions;
      if (extensions && typeof extensions.traceparent === "string") {
        extensions.traceparent = extensions.traceparent.replace(/-01$/, "-00");
        data = JSON.stringify(message);
      }
    }
    return send.call(this, data);
  };
  window.__bench = {
    state: null,
    untraced: false,
    arm(expected, statusId, traced) {
      this.disarm();
      this.untraced = !traced;
      const list = document.querySelector('[data-testid="transactions"]');
      if (list === null) { throw new Error("no transaction list on the page"); }
      const first = newest(list);
      const before = first === null ? null : first.getAttribute("data-transaction-id");
      const state = { expected, before, clickAt: null, observedAt: null, polledAt: null,
                      paintedAt: null, answeredAt: null, answer: null, answerText: null,
                      observer: null, statusObserver: null, poller: null, onClick: null };
      const status = document.querySelector(`[data-testid="${statusId}"]`);
      if (status !== null) {
        state.statusObserver = new MutationObserver(() => {
          const kind = status.dataset.kind;
          if (state.clickAt !== null && state.answeredAt === null
              && (kind === "ok" || kind === "error")) {
            state.answeredAt = performance.now();
            state.answer = kind;
            state.answerText = status.textContent;
            state.statusObserver.disconnect();
          }
        });
        state.statusObserver.observe(status, { attributes: true, childList: true,
                                               characterData: true, subtree: true });
      }
      const shows = () => {
        const item = newest(list);
        if (item === null || item.getAttribute("data-transaction-id") === before) {
          return false;
        }
        const amount = item.querySelector('[data-testid="transaction-amount"]');
        return amount !== null && amount.textContent === expected;
      };
      state.observer = new MutationObserver(() => {
        if (state.observedAt === null && shows()) {
          state.observedAt = performance.now();
          state.observer.disconnect();
          // rAF callbacks run just before the next frame is painted: the change is on screen.
          requestAnimationFrame(() => { state.paintedAt = performance.now(); });
        }
      });
      state.observer.observe(list, { childList: true, subtree: true, characterData: true });
      state.onClick = (event) => {
        if (state.clickAt !== null) { return; }
        state.clickAt = event.timeStamp;
        state.poller = setInterval(() => {
          if (state.polledAt === null && shows()) {
            state.polledAt = performance.now();
            clearInterval(state.poller);
          }
        }, 50);
      };
      document.addEventListener("click", state.onClick, { capture: true });
      this.state = state;
    },
    disarm() {
      const state = this.state;
      if (state === null) { return; }
      state.observer.disconnect();
      if (state.statusObserver !== null) { state.statusObserver.disconnect(); }
      if (state.poller !== null) { clearInterval(state.poller); }
      document.removeEventListener("click", state.onClick, { capture: true });
      this.state = null;
    },
  };
}
"""

ARM = "([expected, statusId, traced]) => window.__bench.arm(expected, statusId, traced)"

SETTLED = """
() => {
  const s = window.__bench.state;
  if (s === null) { return false; }
  // The bank refused: nothing will show.
  if (s.answer === "error") { return true; }
  // Otherwise both clocks saw the amount and the answer is in (when the page shows one).
  const answered = s.statusObserver === null || s.answeredAt !== null;
  return s.observedAt !== null && s.polledAt !== null && s.paintedAt !== null && answered;
}
"""

READ = """
() => {
  const s = window.__bench.state;
  return s === null ? null : { clickAt: s.clickAt, observedAt: s.observedAt,
                               polledAt: s.polledAt, paintedAt: s.paintedAt,
                               answeredAt: s.answeredAt,
                               answer: s.answer, answerText: s.answerText };
}
"""

DISARM = "() => window.__bench.disarm()"
