// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";

import type { Transaction } from "../api/operations";
import { TransactionList } from "./transactionList";

const transaction = (id: number, overrides: Partial<Transaction> = {}): Transaction => ({
  id,
  iban: "NL21OPEN0123456789",
  new_balance: `€${id},00`,
  changed_by: "€10,00",
  from_to: "cash",
  descr: "deposit",
  direction: "CREDIT",
  ...overrides,
});

describe("TransactionList", () => {
  it("shows the empty state until there is a transaction", () => {
    const list = new TransactionList("test");
    list.show([]);
    const empty = list.element.querySelector<HTMLElement>('[data-testid="transactions-empty"]');
    expect(empty?.hidden).toBe(false);
    list.show([transaction(1)]);
    expect(empty?.hidden).toBe(true);
  });

  it("renders the fields tests and the benchmark read", () => {
    const list = new TransactionList("test");
    list.show([transaction(7, { direction: "DEBIT", from_to: "Albert Heijn BV", descr: "<b>shop</b>" })]);
    const item = list.element.querySelector<HTMLElement>('[data-testid="transaction"]');
    expect(item?.dataset.transactionId).toBe("7");
    expect(item?.dataset.direction).toBe("DEBIT");
    const text = (testId: string): string | null | undefined =>
      item?.querySelector(`[data-testid="${testId}"]`)?.textContent;
    expect(text("transaction-amount")).toBe("€10,00");
    expect(text("transaction-counterparty")).toBe("Albert Heijn BV");
    expect(text("transaction-balance")).toBe("€7,00");
    // Text from other people is text, never markup.
    expect(text("transaction-description")).toBe("<b>shop</b>");
    expect(item?.querySelector("b")).toBeNull();
  });

  it("keeps the items already drawn and puts a new one first", () => {
    const list = new TransactionList("test");
    list.show([transaction(2), transaction(1)]);
    const ol = list.element.querySelector("ol");
    const [second, first] = [...(ol?.children ?? [])];
    list.show([transaction(3), transaction(2), transaction(1)]);
    const items = [...(ol?.children ?? [])];
    expect(items.map((item) => (item as HTMLElement).dataset.transactionId)).toEqual(["3", "2", "1"]);
    expect(items[1]).toBe(second);
    expect(items[2]).toBe(first);
  });

  it("drops what is no longer shown", () => {
    const list = new TransactionList("test");
    list.show([transaction(3), transaction(2), transaction(1)]);
    list.show([transaction(3)]);
    expect(list.element.querySelectorAll('[data-testid="transaction"]')).toHaveLength(1);
  });
});
