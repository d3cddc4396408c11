import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { MAX_AMOUNT_CENTS, formatCents, formatWholeEuros, parseEuroAmount } from "./money";

const cents = (typed: string): number | string => {
  const result = parseEuroAmount(typed);
  return result.ok ? result.cents : result.reason;
};

describe("formatCents", () => {
  it.each([
    [0, "€0,00"],
    [5, "€0,05"],
    [1000, "€10,00"],
    [123456, "€1.234,56"],
    [100_000_000_00, "€100.000.000,00"],
    [-50000, "-€500,00"],
  ])("formats %i cents as %s", (value, expected) => {
    expect(formatCents(value)).toBe(expected);
  });

  it("refuses fractions of a cent", () => {
    expect(() => formatCents(1.5)).toThrow(RangeError);
  });
});

describe("formatWholeEuros", () => {
  it("labels deposit buttons", () => {
    expect([1000, 2000, 50000, 123400].map(formatWholeEuros)).toEqual([
      "€10",
      "€20",
      "€500",
      "€1.234",
    ]);
  });

  it("refuses amounts with cents", () => {
    expect(() => formatWholeEuros(1050)).toThrow(RangeError);
  });
});

describe("parseEuroAmount accepts what people type", () => {
  it.each([
    ["12,50", 1250],
    ["12.50", 1250],
    ["12,5", 1250],
    ["12", 1200],
    ["1.234,56", 123456],
    ["1,234.56", 123456],
    ["1.234", 123400],
    ["12,345", 1234500],
    ["1.234.567,89", 123456789],
    ["€ 5", 500],
    ["€5", 500],
    ["5 €", 500],
    ["5 EUR", 500],
    ["5,-", 500],
    ["€ 25,--", 2500],
    [",50", 50],
    ["0,01", 1],
    ["12.", 1200],
    [" 1 234,56 ", 123456],
    ["\u00a012,50", 1250],
    ["+7", 700],
    ["007,10", 710],
    ["21.474.836,47", MAX_AMOUNT_CENTS],
  ])("%j is %i cents", (typed, expected) => {
    expect(cents(typed)).toBe(expected);
  });
});

describe("parseEuroAmount refuses, saying why", () => {
  it.each([
    ["", /Enter an amount/],
    ["   ", /Enter an amount/],
    ["€", /Enter an amount/],
    [",", /Enter an amount/],
    ["0", /more than €0,00/],
    ["0,00", /more than €0,00/],
    ["-5", /more than €0,00/],
    ["12,3456", /two digits for the cents/],
    ["0.125", /two digits for the cents/],
    ["1234.567", /two digits for the cents/],
    ["1.2,34", /Group thousands/],
    ["1.234.56", /Group thousands/],
    ["12a", /Use only digits/],
    ["1e3", /Use only digits/],
    ["$5", /Use only digits/],
    ["21.474.836,48", /at most €21.474.836,47/],
    ["99999999999999999999", /at most/],
  ])("%j", (typed, reason) => {
    expect(cents(typed)).toMatch(reason);
  });
});

describe("parseEuroAmount properties", () => {
  const amount = fc.integer({ min: 1, max: MAX_AMOUNT_CENTS });

  it("reads back every amount it formats", () => {
    fc.assert(fc.property(amount, (value) => cents(formatCents(value)) === value));
  });

  it("reads the English way of writing the same amount", () => {
    fc.assert(
      fc.property(amount, (value) => {
        const english = formatCents(value).replace(/\./g, "_").replace(",", ".").replace(/_/g, ",");
        return cents(english) === value;
      }),
    );
  });

  it("never throws and never returns a non-positive or non-integer amount", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."0123456789.,-€ e+"), maxLength: 20 }), (typed) => {
        const result = parseEuroAmount(typed);
        return !result.ok || (Number.isSafeInteger(result.cents) && result.cents > 0);
      }),
    );
  });
});
