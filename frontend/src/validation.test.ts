import { describe, expect, it } from "vitest";

import { COMPANY_IBAN } from "./iban";
import { validateCredentials, validateTransfer } from "./validation";

const OWN = "NL21OPEN0123456789";

describe("validateCredentials", () => {
  it("accepts eight characters or more", () => {
    expect(validateCredentials("alice123", "secret12")).toEqual({});
  });

  it("names the short field and counts what was typed", () => {
    expect(validateCredentials("alice", "secret12")).toEqual({
      username: "The username needs at least 8 characters (now 5).",
    });
    expect(validateCredentials("alice123", "short")).toEqual({
      password: "The password needs at least 8 characters (now 5).",
    });
  });

  it("reports both fields at once", () => {
    const errors = validateCredentials("", "");
    expect(Object.keys(errors).sort()).toEqual(["password", "username"]);
  });

  it("counts characters, not UTF-16 units", () => {
    expect(validateCredentials("😀😀😀😀😀😀😀", "secret12").username).toMatch(/now 7/);
  });

  it("refuses overlong input and spaces around a username", () => {
    expect(validateCredentials("a".repeat(65), "secret12").username).toMatch(/at most 64/);
    expect(validateCredentials("alice123", "p".repeat(257)).password).toMatch(/at most 256/);
    expect(validateCredentials(" alice123", "secret12").username).toMatch(/space/);
  });
});

describe("validateTransfer", () => {
  it("returns what to send for a good transfer", () => {
    expect(
      validateTransfer({ amount: "12,50", to: "nl66 open 0000 0000 00", description: " rent " }, OWN),
    ).toEqual({ ok: true, cents: 1250, to: COMPANY_IBAN, description: "rent" });
  });

  it("accepts counter-parties outside the bank and cash", () => {
    expect(validateTransfer({ amount: "5", to: "Albert Heijn BV", description: "" }, OWN)).toMatchObject({
      ok: true,
      to: "Albert Heijn BV",
    });
    expect(validateTransfer({ amount: "5", to: "cash", description: "" }, OWN).ok).toBe(true);
  });

  it("gives a reason per field", () => {
    const check = validateTransfer({ amount: "abc", to: "", description: "x".repeat(201) }, OWN);
    expect(check.ok).toBe(false);
    if (!check.ok) {
      expect(check.errors.amount).toMatch(/digits/);
      expect(check.errors.to).toMatch(/Enter who receives/);
      expect(check.errors.description).toMatch(/at most 200/);
    }
  });

  it("refuses the own account, a mistyped account number and a malformed one", () => {
    const reason = (to: string): string | undefined => {
      const check = validateTransfer({ amount: "1", to, description: "" }, OWN);
      return check.ok ? undefined : check.errors.to;
    };
    expect(reason(OWN.toLowerCase())).toMatch(/own account/);
    expect(reason("NL67OPEN0000000000")).toMatch(/check digits/);
    expect(reason("NL66OPEN12")).toMatch(/ten digits/);
  });

  it("does not send when only the amount is wrong", () => {
    const check = validateTransfer({ amount: "0", to: COMPANY_IBAN, description: "" }, OWN);
    expect(check).toEqual({ ok: false, errors: { amount: "The amount must be more than €0,00." } });
  });
});
