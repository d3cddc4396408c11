/**
 * Account numbers of this bank: `NL` + 2 check digits + `OPEN` + 10 digits (ISO 13616).
 *
 * The browser checks the mod-97 check digits before sending a transfer so a mistyped
 * account number is caught next to the field instead of becoming a transfer out of the
 * bank (the command handler only debits when `to` is not one of its accounts).
 */

export { COMPANY_IBAN, compactIban, isValidOpenIban, looksLikeOpenIban };

/** The company account; the Home page follows it. */
const COMPANY_IBAN = "NL66OPEN0000000000";

/** Remove the spaces people put in account numbers and upper-case it: "nl66 open …" → "NL66OPEN…". */
function compactIban(typed: string): string {
  return typed.replace(/[\s\u00a0]/g, "").toUpperCase();
}

/** True when the text has the shape of one of our account numbers, check digits aside. */
function looksLikeOpenIban(compact: string): boolean {
  return /^NL\d{2}OPEN\d{10}$/.test(compact);
}

/** True for an account number of this bank whose check digits are right (mod 97 == 1). */
function isValidOpenIban(compact: string): boolean {
  if (!looksLikeOpenIban(compact)) {
    return false;
  }
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  const numeric = [...rearranged]
    .map((char) => (/[A-Z]/.test(char) ? String(char.charCodeAt(0) - 55) : char))
    .join("");
  // Digit by digit so the number never leaves the safe integer range.
  let remainder = 0;
  for (const digit of numeric) {
    remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}
