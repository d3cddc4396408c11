/**
 * Bank employee: every account with its latest balance (from `all_last_transactions`,
 * kept current by the unfiltered transaction stream), a page at a time, and one account
 * followed live.
 *
 * Test ids: `accounts` (the table), `account-row` rows with `data-iban`,
 * `follow-<iban>` buttons, `accounts-prev`/`accounts-next`/`accounts-page`,
 * `follow-iban` + `follow-submit` (follow by typing a number), `followed-iban`,
 * `balance`, `unfollow`, and the followed account's list `transactions`.
 */

import { onReconnected, requestOnce, subscribe } from "../api/connection";
import { LiveTransactions, RESUBSCRIBE_AFTER_MS } from "../api/liveTransactions";
import { ALL_LAST_TRANSACTIONS, STREAM_TRANSACTIONS, type Transaction } from "../api/operations";
import { compactIban, isValidOpenIban } from "../iban";
import { el } from "../ui/dom";
import { field, statusLine } from "../ui/forms";
import { TransactionList } from "../ui/transactionList";
import type { Page } from "./page";

export { ACCOUNTS_PER_PAGE, employeePage };

const ACCOUNTS_PER_PAGE = 20;
/** Redraw the accounts table at most this often; under load many changes arrive per second (ms). */
const REDRAW_EVERY_MS = 1_000;
const FOLLOWED_LIST_SIZE = 20;
const FETCH_TIMEOUT_MS = 15_000;

function employeePage(): Page {
  const latest = new Map<string, Transaction>();
  let page = 0;
  let redrawTimer: ReturnType<typeof setTimeout> | undefined;
  let running = true;
  const problem = statusLine("accounts-status");
  const body = el("tbody");
  const table = el(
    "table",
    { "data-testid": "accounts", class: "accounts" },
    el("caption", { class: "visually-hidden" }, "Accounts, most recently changed first"),
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        el("th", { scope: "col" }, "Account"),
        el("th", { scope: "col" }, "Balance"),
        el("th", { scope: "col", class: "last-change" }, "Last change"),
        el("th", { scope: "col" }, el("span", { class: "visually-hidden" }, "Action")),
      ),
    ),
    body,
  );
  const prev = el("button", { type: "button", class: "secondary", "data-testid": "accounts-prev" }, "Previous");
  const next = el("button", { type: "button", class: "secondary", "data-testid": "accounts-next" }, "Next");
  const pageLabel = el("span", { "data-testid": "accounts-page", "aria-live": "polite" });
  prev.addEventListener("click", () => {
    page = Math.max(0, page - 1);
    draw();
  });
  next.addEventListener("click", () => {
    page += 1;
    draw();
  });

  const followed = el("div", { class: "card", "data-testid": "followed" });
  let following: LiveTransactions | null = null;
  const follow = (iban: string): void => {
    following?.stop();
    const list = new TransactionList(`Transactions of ${iban}, newest first`);
    const balance = el("output", { "data-testid": "balance", class: "balance" }, "…");
    const listProblem = statusLine("transactions-status");
    const unfollow = el("button", { type: "button", class: "secondary", "data-testid": "unfollow" }, "Stop following");
    unfollow.addEventListener("click", () => {
      following?.stop();
      following = null;
      followed.replaceChildren();
      followed.hidden = true;
    });
    following = new LiveTransactions(
      iban,
      FOLLOWED_LIST_SIZE,
      (transactions) => {
        list.show(transactions);
        balance.textContent = transactions[0]?.new_balance ?? "€0,00";
      },
      (message) => listProblem.set(message, "error"),
    );
    followed.replaceChildren(
      el("h2", { id: "followed-title", tabindex: -1 }, "Following ", el("span", { class: "iban", "data-testid": "followed-iban" }, iban)),
      el("p", {}, "Balance ", balance),
      unfollow,
      listProblem.element,
      list.element,
    );
    followed.hidden = false;
    following.start();
    followed.querySelector<HTMLElement>("#followed-title")?.focus();
  };
  followed.hidden = true;

  const followField = field({
    id: "follow-iban",
    label: "Account number",
    testId: "follow-iban",
    autocomplete: "off",
  });
  const followForm = el(
    "form",
    { class: "inline-form", novalidate: true },
    followField.element,
    el("button", { type: "submit", "data-testid": "follow-submit" }, "Follow"),
  );
  followForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const iban = compactIban(followField.input.value);
    if (!isValidOpenIban(iban)) {
      followField.setError("Enter an account number of this bank, e.g. NL66OPEN0000000000.");
      return;
    }
    followField.setError(null);
    follow(iban);
  });

  // Rows are rebuilt on redraw; while a person points at or tabs through the table it
  // holds still, so a Follow button neither moves under the pointer nor loses focus.
  let pointerInside = false;
  table.addEventListener("pointerenter", () => {
    pointerInside = true;
  });
  table.addEventListener("pointerleave", () => {
    pointerInside = false;
  });
  const holdStill = (): boolean => pointerInside || body.contains(document.activeElement);

  function draw(): void {
    redrawTimer = undefined;
    const accounts = [...latest.values()].sort((a, b) => b.id - a.id);
    const pages = Math.max(1, Math.ceil(accounts.length / ACCOUNTS_PER_PAGE));
    page = Math.min(page, pages - 1);
    const shown = accounts.slice(page * ACCOUNTS_PER_PAGE, (page + 1) * ACCOUNTS_PER_PAGE);
    body.replaceChildren(...shown.map((t) => accountRow(t, follow)));
    pageLabel.textContent = `Page ${page + 1} of ${pages} (${accounts.length} accounts)`;
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
  }
  const scheduleDraw = (): void => {
    if (redrawTimer === undefined && running) {
      redrawTimer = setTimeout(() => {
        if (holdStill()) {
          redrawTimer = undefined;
          scheduleDraw();
        } else {
          draw();
        }
      }, REDRAW_EVERY_MS);
    }
  };
  const remember = (transactions: Transaction[]): void => {
    for (const t of transactions) {
      const known = t.iban === null ? undefined : latest.get(t.iban);
      if (t.iban !== null && (known === undefined || known.id < t.id)) {
        latest.set(t.iban, t);
      }
    }
  };

  const load = async (): Promise<void> => {
    try {
      const data = await requestOnce<{ all_last_transactions: (Transaction | null)[] | null }>(
        ALL_LAST_TRANSACTIONS,
        {},
        FETCH_TIMEOUT_MS,
      );
      problem.set(null);
      remember((data.all_last_transactions ?? []).filter((t) => t !== null));
      if (holdStill()) {
        scheduleDraw();
      } else {
        draw();
      }
    } catch (error) {
      problem.set(`Could not load the accounts: ${(error as Error).message}.`, "error");
    }
  };
  let unsubscribe = (): void => undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  const stream = (): void => {
    unsubscribe = subscribe<{ stream_transactions: Transaction | null }>(
      STREAM_TRANSACTIONS,
      { iban: null },
      {
        next: (data) => {
          if (data.stream_transactions) {
            remember([data.stream_transactions]);
            scheduleDraw();
          }
        },
        error: () => restream(),
        complete: () => restream(),
      },
    );
  };
  const restream = (): void => {
    if (running) {
      retryTimer = setTimeout(() => {
        stream();
        void load();
      }, RESUBSCRIBE_AFTER_MS);
    }
  };
  stream();
  void load();
  const stopReconnect = onReconnected(() => void load());

  const element = el(
    "section",
    { class: "page", "aria-labelledby": "employee-title" },
    el(
      "div",
      { class: "card" },
      el("h1", { id: "employee-title" }, "Bank employee"),
      el("p", {}, "Every account with its latest balance. Follow one to see its transactions live."),
      followForm,
      problem.element,
      el("div", { class: "table-scroll" }, table),
      el("div", { class: "pager" }, prev, pageLabel, next),
    ),
    followed,
  );
  draw();
  return {
    element,
    dispose: () => {
      running = false;
      clearTimeout(redrawTimer);
      clearTimeout(retryTimer);
      unsubscribe();
      stopReconnect();
      following?.stop();
    },
  };
}

function accountRow(t: Transaction, follow: (iban: string) => void): HTMLTableRowElement {
  const iban = t.iban ?? "";
  const button = el("button", { type: "button", class: "secondary", "data-testid": `follow-${iban}` }, "Follow");
  button.addEventListener("click", () => follow(iban));
  const sign = t.direction === "CREDIT" ? "+" : "−";
  return el(
    "tr",
    { "data-testid": "account-row", "data-iban": iban },
    el("td", { class: "iban" }, iban),
    el("td", { class: "money" }, t.new_balance ?? ""),
    el("td", { class: "money last-change" }, `${sign}${t.changed_by ?? ""}`),
    el("td", {}, button),
  );
}
