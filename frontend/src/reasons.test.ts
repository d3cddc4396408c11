import { describe, expect, it } from "vitest";

import { accountFieldFor, transferFieldFor } from "./reasons";

describe("transferFieldFor", () => {
  it.each([
    ["insufficient funds", "amount"],
    ["Argument 'amount' must be greater than 0", "amount"],
    ["from and to can't be same for transfer", "to"],
    ["both to and from not known at this bank", "to"],
    ["descr is too long", "description"],
    ["invalid token", "form"],
    ["from is invalid", "form"],
  ])("%j goes to %s", (reason, expected) => {
    expect(transferFieldFor(reason)).toBe(expected);
  });
});

describe("accountFieldFor", () => {
  it.each([
    ["incorrect password", "password"],
    ["username too long", "username"],
    ["generated iban already exists, try again", "form"],
  ])("%j goes to %s", (reason, expected) => {
    expect(accountFieldFor(reason)).toBe(expected);
  });
});
