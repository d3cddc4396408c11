import { describe, expect, it } from "vitest";

import { COMPANY_IBAN, compactIban, isValidOpenIban, looksLikeOpenIban } from "./iban";

/** The spec's formula: c = 98 − int("24251423" + digits + "232100") mod 97. */
function ibanFromDigits(digits: string): string {
  const value = BigInt(`24251423${digits}232100`);
  const check = 98n - (value % 97n);
  return `NL${String(check).padStart(2, "0")}OPEN${digits}`;
}

describe("isValidOpenIban", () => {
  it("accepts the company account", () => {
    expect(isValidOpenIban(COMPANY_IBAN)).toBe(true);
  });

  it("accepts account numbers made the way the command handler makes them", () => {
    for (const digits of ["0123456789", "0999999999", "0000000001", "0500000000"]) {
      expect(isValidOpenIban(ibanFromDigits(digits))).toBe(true);
    }
  });

  it("refuses a wrong check digit and a swapped digit", () => {
    expect(isValidOpenIban("NL67OPEN0000000000")).toBe(false);
    const good = ibanFromDigits("0123456789");
    expect(isValidOpenIban(good.replace("0123456789", "0123456798"))).toBe(false);
  });

  it("refuses other shapes", () => {
    expect(isValidOpenIban("NL66OPEN000000000")).toBe(false);
    expect(isValidOpenIban("NL91ABNA0417164300")).toBe(false);
    expect(looksLikeOpenIban("cash")).toBe(false);
  });
});

describe("compactIban", () => {
  it("removes spaces and upper-cases", () => {
    expect(compactIban(" nl66 open 0000 0000 00 ")).toBe(COMPANY_IBAN);
  });
});
