/**
 * Events: the records of the history topics (commands, both feedback topics,
 * balance_changed) as they are written, for one account or all, newest on top; a
 * command's button shows its answer and the balance changes it caused.
 *
 * It stays usable under any load: the server sends at most ~200 records/s per page
 * (sampling beyond, which the indicator shows), the page redraws at most twice a second
 * and keeps the newest `CAPACITY` rows (painting grows with the rows on the page), and it
 * holds still (paused) while the pointer is on the table or after Pause.
 *
 * Test ids: `events-iban`, `events-filter-submit`, `events-all`, `events-filter`
 * (what is shown), `events-pause`, `events-state` (`data-state` = live / sampling /
 * paused), `events`, `event-row` rows, `event-chain`; see ../events/recordView.ts.
 */

import { requestOnce, subscribe } from "../api/connection";
import { EVENT_CHAIN, EVENT_LOG, type LogBatch, type LogChain, type LogRecord } from "../api/eventLog";
import { RESUBSCRIBE_AFTER_MS } from "../api/liveTransactions";
import { LogBuffer } from "../events/logBuffer";
import { chainView, eventRow } from "../events/recordView";
import { compactIban, isValidOpenIban } from "../iban";
import { el } from "../ui/dom";
import { field, statusLine } from "../ui/forms";
import type { Page } from "./page";

export { CAPACITY, eventsPage };

/** Rows kept on the page (the newest), and drawn at most per redraw. */
const CAPACITY = 100;
const PER_DRAW = 100;
/** The table and its indicator are redrawn at most this often (ms): under load each
 * redraw moves every row, and painting is what a busy machine cannot do 60 times a second. */
const DRAW_EVERY_MS = 500;
const CHAIN_TIMEOUT_MS = 10_000;
/** A command drawn before its answer was written: ask again, a few times (ms). */
const CHAIN_RETRY_MS = 1_000;
const CHAIN_RETRIES = 5;

function eventsPage(): Page {
  const buffer = new LogBuffer(CAPACITY, PER_DRAW);
  let iban: string | null = null;
  let running = true;
  let manualPause = false;
  let pointerInside = false;
  let frame: number | undefined;
  let drawTimer: ReturnType<typeof setTimeout> | undefined;
  let drawnAt = 0;
  let chainTimer: ReturnType<typeof setTimeout> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let unsubscribe = (): void => undefined;

  const shown = el("p", { "data-testid": "events-filter" });
  const indicator = el("p", { class: "events-state", "data-testid": "events-state", "data-state": "live" });
  const problem = statusLine("events-status");
  const body = el("tbody");
  const table = el(
    "table",
    { "data-testid": "events", class: "events" },
    el("caption", { class: "visually-hidden" }, "History records, newest first"),
    el(
      "colgroup",
      {},
      ...["time", "topic", "num", "num", "record", "num", "fields"].map((c) => el("col", { class: `col-${c}` })),
    ),
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        ...["Time", "Topic", "Partition", "Offset", "Record", "Schema", "Fields"].map((h) =>
          el("th", { scope: "col" }, h),
        ),
      ),
    ),
    body,
  );
  const chain = el("div", { class: "card", "data-testid": "event-chain", "aria-live": "polite" });
  chain.hidden = true;

  const describe = (): void => {
    indicator.textContent = buffer.describe() + (buffer.skipped ? ` ${buffer.skipped} not drawn.` : "");
    indicator.dataset.state = buffer.state;
  };
  const setPaused = (): void => {
    buffer.paused = manualPause || pointerInside;
    pause.textContent = manualPause ? "Resume" : "Pause";
    pause.setAttribute("aria-pressed", String(manualPause));
    describe();
    schedule();
  };

  const draw = (): void => {
    frame = undefined;
    drawnAt = performance.now();
    const records = buffer.takeForFrame();
    for (const record of records) {
      body.prepend(eventRow(record, open));
    }
    while (body.rows.length > CAPACITY) {
      body.lastElementChild?.remove();
    }
    describe();
    schedule();
  };
  function schedule(): void {
    if (frame !== undefined || drawTimer !== undefined || !running) {
      return;
    }
    const wait = Math.max(0, drawnAt + DRAW_EVERY_MS - performance.now());
    drawTimer = setTimeout(() => {
      drawTimer = undefined;
      if (running && !buffer.paused && buffer.pending > 0) {
        frame = requestAnimationFrame(draw);
      } else if (running) {
        describe();
      }
    }, wait);
  }

  let opened: string | null = null;
  const open = (record: LogRecord, attempt = 0): void => {
    const commandId = record.command_id;
    if (commandId === null || !running) {
      return;
    }
    opened = commandId;
    const title = el("h2", {}, "Command ", el("span", { class: "iban" }, commandId));
    if (attempt === 0) {
      clearTimeout(chainTimer);
      chain.hidden = false;
      chain.replaceChildren(title, el("p", {}, "Looking it up…"));
    }
    requestOnce<{ event_chain: LogChain }>(EVENT_CHAIN, { command_id: commandId }, CHAIN_TIMEOUT_MS).then(
      (data) => {
        if (opened !== commandId) {
          return; // another command was chosen meanwhile
        }
        const found = data.event_chain;
        const waiting = found.command !== null && found.answer === null && attempt < CHAIN_RETRIES;
        const again = waiting ? [el("p", { class: "muted" }, "Looking again in a second…")] : [];
        chain.replaceChildren(title, ...chainView(found), ...again);
        if (waiting) {
          chainTimer = setTimeout(() => open(record, attempt + 1), CHAIN_RETRY_MS);
        }
      },
      (error: Error) => {
        chain.replaceChildren(title, el("p", { class: "status", "data-kind": "error" }, `Could not look it up: ${error.message}.`));
      },
    );
  };

  const stream = (): void => {
    unsubscribe();
    unsubscribe = subscribe<{ event_log: LogBatch }>(EVENT_LOG, { iban }, {
      next: (data) => {
        buffer.add(data.event_log);
        problem.set(null);
        schedule();
      },
      error: (error) => {
        problem.set(`The event log stopped: ${error.message}. Trying again…`, "error");
        restream();
      },
      complete: () => restream(),
    });
  };
  const restream = (): void => {
    if (running) {
      clearTimeout(retryTimer);
      retryTimer = setTimeout(stream, RESUBSCRIBE_AFTER_MS);
    }
  };
  const show = (wanted: string | null): void => {
    iban = wanted;
    buffer.clear();
    body.replaceChildren();
    shown.textContent = wanted === null ? "Showing every account." : `Showing account ${wanted}.`;
    describe();
    stream();
  };

  const ibanField = field({ id: "events-iban", label: "Account number", testId: "events-iban", autocomplete: "off" });
  const form = el(
    "form",
    { class: "inline-form", novalidate: true },
    ibanField.element,
    el("button", { type: "submit", "data-testid": "events-filter-submit" }, "Show"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const wanted = compactIban(ibanField.input.value);
    if (!isValidOpenIban(wanted)) {
      ibanField.setError("Enter an account number of this bank, e.g. NL66OPEN0000000000.");
      return;
    }
    ibanField.setError(null);
    show(wanted);
  });
  const all = el("button", { type: "button", class: "secondary", "data-testid": "events-all" }, "All accounts");
  all.addEventListener("click", () => {
    ibanField.input.value = "";
    ibanField.setError(null);
    show(null);
  });
  const pause = el("button", { type: "button", class: "secondary", "data-testid": "events-pause", "aria-pressed": "false" }, "Pause");
  pause.addEventListener("click", () => {
    manualPause = !manualPause;
    setPaused();
  });
  // Rows must not move under the pointer: hold still while it is on the table.
  table.addEventListener("pointerenter", () => {
    pointerInside = true;
    setPaused();
  });
  table.addEventListener("pointerleave", () => {
    pointerInside = false;
    setPaused();
  });

  const element = el(
    "section",
    { class: "page", "aria-labelledby": "events-title" },
    el(
      "div",
      { class: "card" },
      el("h1", { id: "events-title" }, "Events"),
      el(
        "p",
        {},
        "The records of the bank's history topics as they are written: commands, their answers and balance changes, " +
          "decoded from Avro, with their place in the log. Tokens are hidden. Choose a command to see what it caused.",
      ),
      form,
      el("div", { class: "toolbar" }, all, pause, shown),
      indicator,
      problem.element,
    ),
    chain,
    el("div", { class: "card" }, el("div", { class: "table-scroll events-scroll" }, table)),
  );
  show(null);
  return {
    element,
    dispose: () => {
      running = false;
      clearTimeout(retryTimer);
      clearTimeout(drawTimer);
      clearTimeout(chainTimer);
      if (frame !== undefined) {
        cancelAnimationFrame(frame);
      }
      unsubscribe();
    },
  };
}
