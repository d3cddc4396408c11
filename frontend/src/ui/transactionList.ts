/**
 * Renders a newest-first list of transactions. Each item carries the data attributes the
 * e2e tests and the latency benchmark read: `data-testid="transaction"`,
 * `data-transaction-id`, and inside it `transaction-amount` (the change, e.g. `€10,00`,
 * always positive; its sign is in `data-direction`), `transaction-balance`,
 * `transaction-counterparty`, `transaction-description`. A transaction that came with its
 * trace has a timeline (`ui/traceTimeline.ts`).
 */

import type { Transaction } from "../api/operations";
import { parseTraceparent } from "../tracing/traceparent";
import { el } from "./dom";
import { traceTimeline } from "./traceTimeline";

export { TransactionList };

class TransactionList {
  readonly element: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly empty: HTMLParagraphElement;
  private readonly items = new Map<number, HTMLLIElement>();

  constructor(label: string, testId = "transactions") {
    this.list = el("ol", { class: "transactions", "data-testid": testId, "aria-label": label });
    this.empty = el("p", { class: "muted", "data-testid": `${testId}-empty` }, "No transactions yet.");
    // Not a live region: under load the list changes many times a second, which would
    // drown a screen reader; outcomes of the person's own actions are announced by the
    // status lines next to the buttons instead.
    this.element = el("div", { class: "transaction-list" }, this.empty, this.list);
  }

  /** Show exactly these transactions, in this order, reusing the items already drawn. */
  show(transactions: Transaction[]): void {
    const wanted = new Set(transactions.map((t) => t.id));
    for (const id of [...this.items.keys()]) {
      if (!wanted.has(id)) {
        this.items.delete(id);
      }
    }
    const nodes = transactions.map((t) => {
      let item = this.items.get(t.id);
      if (item === undefined) {
        item = renderItem(t);
        this.items.set(t.id, item);
      }
      return item;
    });
    const unchanged =
      nodes.length === this.list.children.length &&
      nodes.every((node, index) => this.list.children[index] === node);
    if (!unchanged) {
      this.list.replaceChildren(...nodes);
    }
    this.empty.hidden = transactions.length > 0;
  }
}

function renderItem(t: Transaction): HTMLLIElement {
  const credit = t.direction === "CREDIT";
  const sign = credit ? "+" : "−";
  const traced = parseTraceparent(t.traceparent);
  return el(
    "li",
    {
      class: `transaction ${credit ? "credit" : "debit"}`,
      "data-testid": "transaction",
      "data-transaction-id": t.id,
      "data-direction": t.direction ?? "",
    },
    el(
      "span",
      { class: "amount" },
      el("span", { class: "sign", "aria-label": credit ? "received" : "paid" }, sign),
      el("span", { "data-testid": "transaction-amount" }, t.changed_by ?? ""),
    ),
    el(
      "span",
      { class: "party" },
      el("span", { class: "label" }, credit ? "from " : "to "),
      el("span", { "data-testid": "transaction-counterparty" }, t.from_to ?? ""),
    ),
    el("span", { class: "descr", "data-testid": "transaction-description" }, t.descr ?? ""),
    el(
      "span",
      { class: "new-balance" },
      el("span", { class: "label" }, "balance "),
      el("span", { "data-testid": "transaction-balance" }, t.new_balance ?? ""),
    ),
    traced?.sampled ? traceTimeline(traced.traceId) : null,
  );
}
