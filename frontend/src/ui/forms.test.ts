// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";

import { field, statusLine } from "./forms";

describe("field", () => {
  it("labels its input and ties the error to it for screen readers", () => {
    const amount = field({ id: "amount", label: "Amount", testId: "amount", hint: "e.g. 12,50" });
    document.body.replaceChildren(amount.element);
    expect(document.querySelector('label[for="amount"]')?.textContent).toBe("Amount");
    expect(amount.input.getAttribute("aria-describedby")).toBe("amount-hint amount-error");
    const error = document.querySelector<HTMLElement>('[data-testid="amount-error"]');
    expect(error?.hidden).toBe(true);

    amount.setError("Use only digits.");
    expect(error?.hidden).toBe(false);
    expect(error?.textContent).toBe("Use only digits.");
    expect(amount.input.getAttribute("aria-invalid")).toBe("true");

    amount.setError(null);
    expect(error?.hidden).toBe(true);
    expect(amount.input.hasAttribute("aria-invalid")).toBe(false);
  });
});

describe("statusLine", () => {
  it("shows a message of a kind, and hides when cleared", () => {
    const status = statusLine("status");
    status.set("Transfer failed.", "error");
    expect(status.element.hidden).toBe(false);
    expect(status.element.dataset.kind).toBe("error");
    expect(status.element.getAttribute("role")).toBe("status");
    status.set(null);
    expect(status.element.hidden).toBe(true);
  });
});
