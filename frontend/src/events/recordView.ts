/**
 * How one history record looks on the Events page: a table row (newest rows on top), and
 * the chain of a command (its answer and the balance changes it caused). Text goes in as
 * text nodes only: descriptions are typed by other people.
 *
 * Test ids: `event-row` (`data-topic`, `data-partition`, `data-offset`,
 * `data-record-type`, `data-schema-id`, `data-command-id`), `event-open` (a command's
 * button), `chain-command`, `chain-answer`, `chain-change`, `chain-missing`.
 */

import type { LogChain, LogRecord } from "../api/eventLog";
import { el } from "../ui/dom";

export { chainView, eventRow };

const TIME = new Intl.DateTimeFormat("en-GB", {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  fractionalSecondDigits: 3,
  hour12: false,
});

function fieldsText(record: LogRecord): string {
  return record.fields.map((f) => `${f.name}=${f.value ?? "null"}`).join("  ");
}

function eventRow(record: LogRecord, open: (record: LogRecord) => void): HTMLTableRowElement {
  const isCommand = record.topic === "commands" && record.command_id !== null;
  const fields = fieldsText(record);
  let type: Node | string = record.record_type;
  if (isCommand) {
    const button = el(
      "button",
      { type: "button", class: "link", "data-testid": "event-open", title: "Show its answer and balance changes" },
      record.record_type,
    );
    button.addEventListener("click", () => open(record));
    type = button;
  }
  return el(
    "tr",
    {
      "data-testid": "event-row",
      "data-topic": record.topic,
      "data-partition": record.partition,
      "data-offset": record.offset,
      "data-record-type": record.record_type,
      "data-schema-id": record.schema_id,
      "data-command-id": record.command_id ?? undefined,
      class: `topic-${record.topic}`,
    },
    el("td", { class: "num" }, TIME.format(record.timestamp_ms)),
    el("td", {}, record.topic),
    el("td", { class: "num" }, record.partition),
    el("td", { class: "num" }, record.offset),
    el("td", {}, type),
    el("td", { class: "num" }, record.schema_id),
    el("td", { class: "fields", title: fields }, fields),
  );
}

function recordCard(record: LogRecord, testId: string, title: string): HTMLElement {
  return el(
    "div",
    { class: "chain-record", "data-testid": testId, "data-topic": record.topic, "data-offset": record.offset },
    el("h3", {}, `${title}: ${record.record_type}`),
    el(
      "p",
      { class: "muted" },
      `${record.topic} · partition ${record.partition} · offset ${record.offset} · schema ${record.schema_id} · `,
      TIME.format(record.timestamp_ms),
    ),
    el(
      "dl",
      {},
      ...record.fields.flatMap((f) => [el("dt", {}, f.name), el("dd", {}, f.value ?? "null")]),
    ),
  );
}

function chainView(chain: LogChain): HTMLElement[] {
  const parts: HTMLElement[] = [];
  if (chain.command === null) {
    return [el("p", { "data-testid": "chain-missing" }, "This command is no longer in the server's recent window of the log.")];
  }
  parts.push(recordCard(chain.command, "chain-command", "Command"));
  parts.push(
    chain.answer === null
      ? el("p", { "data-testid": "chain-missing" }, "No answer yet (or no longer in the server's recent window).")
      : recordCard(chain.answer, "chain-answer", "Answer"),
  );
  for (const change of chain.balance_changes) {
    parts.push(recordCard(change, "chain-change", "Balance changed"));
  }
  if (chain.answer !== null && chain.balance_changes.length === 0) {
    parts.push(el("p", { class: "muted" }, "It changed no balance."));
  } else if (chain.matched_by !== null) {
    parts.push(el("p", { class: "muted" }, `Balance changes matched by ${chain.matched_by}.`));
  }
  return parts;
}
