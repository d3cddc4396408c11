/** Home: what open-bank is in one line, and the company account's transactions, live. */

import { LiveTransactions } from "../api/liveTransactions";
import { COMPANY_IBAN } from "../iban";
import { el } from "../ui/dom";
import { statusLine } from "../ui/forms";
import { TransactionList } from "../ui/transactionList";
import type { Page } from "./page";

export { homePage };

/** How many of the company's transactions Home shows. */
const HOME_LIST_SIZE = 20;

function homePage(): Page {
  const list = new TransactionList("Company account transactions, newest first");
  const balance = el("output", { "data-testid": "balance", class: "balance" }, "…");
  const problem = statusLine("transactions-status");
  const live = new LiveTransactions(
    COMPANY_IBAN,
    HOME_LIST_SIZE,
    (transactions) => {
      list.show(transactions);
      balance.textContent = transactions[0]?.new_balance ?? "€0,00";
    },
    (message) => problem.set(message, "error"),
  );
  const element = el(
    "section",
    { class: "page", "aria-labelledby": "home-title" },
    el(
      "div",
      { class: "card" },
      el("h1", { id: "home-title" }, "open-bank"),
      el(
        "p",
        {},
        "An event-sourcing bank: every deposit and transfer is a command on Kafka, decided by " +
          "the command handler, and shown here the moment its balance changes.",
      ),
      el(
        "dl",
        {},
        el("dt", {}, "Company account"),
        el("dd", { class: "iban", "data-testid": "account-iban" }, COMPANY_IBAN),
        el("dt", {}, "Balance"),
        el("dd", {}, balance),
      ),
    ),
    el("div", { class: "card" }, el("h2", {}, "Live transactions"), problem.element, list.element),
  );
  live.start();
  return { element, dispose: () => live.stop() };
}
