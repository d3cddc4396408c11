/**
 * Client page: log in (or register), then see the account number and balance, deposit
 * with one click, transfer money, and watch the account's transactions live.
 *
 * Test ids (for the e2e tests and the latency benchmark): `login-username`,
 * `login-password`, `login-submit`, `account-iban`, `balance`, `logout`,
 * `deposit-1000` … `deposit-50000` (cents), `deposit-status`, `transfer-amount`,
 * `transfer-to`, `transfer-description`, `transfer-submit`, `transfer-status`, each
 * field's `<id>-error`, `transactions-size`, and the list `transactions`.
 */

import { GraphqlRequestError, requestOnce, subscribe } from "../api/connection";
import { followTransfer } from "../api/followTransfer";
import { LiveTransactions } from "../api/liveTransactions";
import { type AccountResult, GET_ACCOUNT } from "../api/operations";
import { COMPANY_IBAN } from "../iban";
import { formatCents, formatWholeEuros } from "../money";
import { accountFieldFor, transferFieldFor } from "../reasons";
import { type Session, clearSession, loadSession, saveSession } from "../session";
import { startSpan } from "../tracing/spans";
import { newUuid } from "../uuid";
import { el } from "../ui/dom";
import { field, statusLine } from "../ui/forms";
import { TransactionList } from "../ui/transactionList";
import { validateCredentials, validateTransfer } from "../validation";
import type { Page } from "./page";

export { DEPOSIT_CENTS, LIST_SIZES, clientPage };

/** The deposit buttons: €10, €20, €50, €100, €200, €500 (in cents). */
const DEPOSIT_CENTS = [1000, 2000, 5000, 10000, 20000, 50000] as const;
/** Choosable lengths of the transaction list (SPEC: 5–250). */
const LIST_SIZES = [5, 10, 20, 50, 100, 250] as const;
const DEFAULT_LIST_SIZE = 10;
/** Login hashes a password and waits for the command handler (ms). */
const LOGIN_TIMEOUT_MS = 30_000;
/** A transfer waits for the command handler's answer through Kafka (ms). */
const TRANSFER_TIMEOUT_MS = 30_000;
/** A pending transfer waits this long for its decision (ms): the API follows it 10 min. */
const PENDING_TIMEOUT_MS = 600_000;

function clientPage(): Page {
  const root = el("section", { class: "page", "aria-labelledby": "client-title" });
  let current: Page | null = null;
  const show = (session: Session | null): void => {
    current?.dispose();
    current = session ? accountView(session, () => show(null)) : loginView(show);
    root.replaceChildren(current.element);
  };
  show(loadSession());
  return { element: root, dispose: () => current?.dispose() };
}

function loginView(onLogin: (session: Session) => void): Page {
  const username = field({
    id: "login-username",
    label: "Username",
    testId: "login-username",
    autocomplete: "username",
    hint: "At least 8 characters. A new username opens a new account.",
  });
  const password = field({
    id: "login-password",
    label: "Password",
    testId: "login-password",
    type: "password",
    autocomplete: "current-password",
    hint: "At least 8 characters.",
  });
  const status = statusLine("login-status");
  const submit = el("button", { type: "submit", "data-testid": "login-submit" }, "Log in or register");
  const form = el(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "client-title" },
    el("h1", { id: "client-title" }, "Client"),
    el("p", {}, "Log in to your account, or choose a new username to open one."),
    username.element,
    password.element,
    submit,
    status.element,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const errors = validateCredentials(username.input.value, password.input.value);
    username.setError(errors.username);
    password.setError(errors.password);
    status.set(null);
    if (errors.username || errors.password) {
      (errors.username ? username.input : password.input).focus();
      return;
    }
    submit.disabled = true;
    status.set("Logging in…");
    const name = username.input.value;
    requestOnce<{ get_account: AccountResult | null }>(
      GET_ACCOUNT,
      { username: name, password: password.input.value },
      LOGIN_TIMEOUT_MS,
    )
      .then(({ get_account: result }) => {
        if (result?.iban && result.token) {
          const session = { username: name, iban: result.iban, token: result.token };
          saveSession(session);
          onLogin(session);
          return;
        }
        showLoginFailure(result?.reason ?? "the server gave no account");
      })
      .catch((error: unknown) => showLoginFailure(messageOf(error)))
      .finally(() => {
        submit.disabled = false;
      });
  });
  const showLoginFailure = (reason: string): void => {
    const where = accountFieldFor(reason);
    status.set(where === "form" ? `Could not log in: ${reason}` : null, "error");
    if (where === "password") {
      password.setError(capitalise(reason));
      password.input.focus();
    } else if (where === "username") {
      username.setError(capitalise(reason));
      username.input.focus();
    }
  };
  return { element: form, dispose: () => undefined };
}

function accountView(session: Session, onLogout: () => void): Page {
  const balance = el("output", { "data-testid": "balance", class: "balance" }, "…");
  const listError = statusLine("transactions-status");
  const list = new TransactionList("Your transactions, newest first");
  const live = new LiveTransactions(
    session.iban,
    DEFAULT_LIST_SIZE,
    (transactions) => {
      list.show(transactions);
      // The balance is the newest transaction's new balance; no transactions: €0,00.
      balance.textContent = transactions[0]?.new_balance ?? "€0,00";
    },
    (message) => listError.set(message, "error"),
  );
  const logout = el("button", { type: "button", class: "secondary", "data-testid": "logout" }, "Log out");
  logout.addEventListener("click", () => {
    clearSession();
    onLogout();
  });
  const sizeSelect = el(
    "select",
    { id: "transactions-size", "data-testid": "transactions-size" },
    ...LIST_SIZES.map((size) =>
      el("option", { value: size, selected: size === DEFAULT_LIST_SIZE }, String(size)),
    ),
  );
  sizeSelect.addEventListener("change", () => live.resize(Number(sizeSelect.value)));

  const element = el(
    "div",
    { class: "client" },
    el(
      "div",
      { class: "card account" },
      el("h1", { id: "client-title" }, "Your account"),
      el(
        "dl",
        {},
        el("dt", {}, "Account holder"),
        el("dd", { "data-testid": "account-username" }, session.username),
        el("dt", {}, "Account number"),
        el("dd", { "data-testid": "account-iban", class: "iban" }, session.iban),
        el("dt", {}, "Balance"),
        el("dd", {}, balance),
      ),
      logout,
    ),
    depositCard(session),
    transferCard(session),
    el(
      "div",
      { class: "card" },
      el("h2", {}, "Transactions"),
      el(
        "div",
        { class: "field inline" },
        el("label", { for: "transactions-size" }, "Show the last"),
        sizeSelect,
      ),
      listError.element,
      list.element,
    ),
  );
  live.start();
  return { element, dispose: () => live.stop() };
}

function depositCard(session: Session): HTMLElement {
  const status = statusLine("deposit-status");
  const buttons = DEPOSIT_CENTS.map((cents) => {
    const button = el(
      "button",
      { type: "button", "data-testid": `deposit-${cents}`, "data-cents": cents },
      formatWholeEuros(cents),
    );
    button.addEventListener("click", () => {
      status.set(`Depositing ${formatCents(cents)}…`);
      sendTransfer({ cents, from: "cash", token: "cash", to: session.iban, descr: "deposit" }, () =>
        status.set(`Deposit of ${formatCents(cents)} is pending: ${PENDING_NOTE}`),
      )
        .then((reason) =>
          reason === null
            ? status.set(`${formatCents(cents)} deposited.`, "ok")
            : status.set(`Deposit of ${formatCents(cents)} failed: ${reason}`, "error"),
        )
        .catch(() => undefined);
    });
    return button;
  });
  return el(
    "div",
    { class: "card" },
    el("h2", { id: "deposit-title" }, "Deposit cash"),
    el("div", { class: "deposits", role: "group", "aria-labelledby": "deposit-title" }, ...buttons),
    status.element,
  );
}

function transferCard(session: Session): HTMLElement {
  const amount = field({
    id: "transfer-amount",
    label: "Amount in euros",
    testId: "transfer-amount",
    inputmode: "decimal",
    autocomplete: "off",
    hint: "For example 12,50 or 1.234,56.",
  });
  const to = field({
    id: "transfer-to",
    label: "To",
    testId: "transfer-to",
    autocomplete: "off",
    hint: `An account number such as ${COMPANY_IBAN}, or a name outside the bank.`,
  });
  const description = field({
    id: "transfer-description",
    label: "Description",
    testId: "transfer-description",
    autocomplete: "off",
  });
  const status = statusLine("transfer-status");
  const submit = el("button", { type: "submit", "data-testid": "transfer-submit" }, "Transfer");
  const fields = { amount, to, description };
  const form = el(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "transfer-title" },
    el("h2", { id: "transfer-title" }, "Transfer money"),
    amount.element,
    to.element,
    description.element,
    submit,
    status.element,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const check = validateTransfer(
      { amount: amount.input.value, to: to.input.value, description: description.input.value },
      session.iban,
    );
    const errors = check.ok ? {} : check.errors;
    amount.setError(errors.amount);
    to.setError(errors.to);
    description.setError(errors.description);
    status.set(null);
    if (!check.ok) {
      const first = errors.amount ? amount : errors.to ? to : description;
      first.input.focus();
      return;
    }
    submit.disabled = true;
    status.set(`Transferring ${formatCents(check.cents)} to ${check.to}…`);
    sendTransfer(
      {
        cents: check.cents,
        from: session.iban,
        token: session.token,
        to: check.to,
        descr: check.description,
      },
      () => {
        status.set(`Transfer of ${formatCents(check.cents)} to ${check.to} is pending: ${PENDING_NOTE}`);
        submit.disabled = false; // the decision may take minutes; the form is free meanwhile
      },
    )
      .then((reason) => {
        if (reason === null) {
          status.set(`${formatCents(check.cents)} transferred to ${check.to}.`, "ok");
          amount.input.value = "";
          return;
        }
        const where = transferFieldFor(reason);
        if (where === "form") {
          status.set(`Transfer failed: ${reason}`, "error");
        } else {
          status.set("Transfer failed.", "error");
          fields[where].setError(capitalise(reason));
          fields[where].input.focus();
        }
      })
      .catch(() => undefined)
      .finally(() => {
        submit.disabled = false;
      });
  });
  return form;
}

type TransferOrder = { cents: number; from: string; token: string; to: string; descr: string };

/** What a person reads while a transfer is pending. */
const PENDING_NOTE = "the bank has not decided yet; its answer shows here as soon as it has.";

/**
 * Send one money_transfer with a fresh uuid and follow it to its decision; resolves with
 * null or the failure reason. `onPending` runs when the API says the decision is late.
 * The click starts a trace that follows the command to the screen (docs/tracing.md).
 */
async function sendTransfer(order: TransferOrder, onPending: () => void): Promise<string | null> {
  const click = startSpan(order.from === "cash" ? "click deposit" : "click transfer", undefined, "CLIENT");
  let outcome = "error";
  try {
    const reason = await followTransfer(
      subscribe,
      {
        uuid: newUuid(),
        token: order.token,
        amount: order.cents,
        from: order.from,
        to: order.to,
        descr: order.descr,
      },
      {
        timeoutMs: TRANSFER_TIMEOUT_MS,
        pendingTimeoutMs: PENDING_TIMEOUT_MS,
        onPending,
        extensions: { traceparent: click.traceparent },
      },
    );
    outcome = reason === null ? "success" : "refused";
    return reason;
  } catch (error) {
    return messageOf(error);
  } finally {
    click.end({ outcome });
  }
}

function messageOf(error: unknown): string {
  if (error instanceof GraphqlRequestError) {
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
