/**
 * Checks the browser makes before sending anything, each giving the reason to show
 * next to the field it is about. The server checks again; these only spare people a
 * round trip and explain mistakes in words.
 */

import { compactIban, isValidOpenIban, looksLikeOpenIban } from "./iban";
import { parseEuroAmount } from "./money";

export {
  CREDENTIAL_MIN_LENGTH,
  DESCRIPTION_MAX_LENGTH,
  PASSWORD_MAX_LENGTH,
  USERNAME_MAX_LENGTH,
  type CredentialErrors,
  type TransferCheck,
  type TransferErrors,
  type TransferInput,
  validateCredentials,
  validateTransfer,
};

/** Usernames and passwords: at least 8 characters (the original's rule). */
const CREDENTIAL_MIN_LENGTH = 8;
/** Upper bounds the API enforces too (backend/validation.py), in characters. */
const USERNAME_MAX_LENGTH = 64;
const PASSWORD_MAX_LENGTH = 256;
const DESCRIPTION_MAX_LENGTH = 200;
/** Longest counter-party accepted, in characters ("Albert Heijn BV", "cash", an IBAN). */
const TO_MAX_LENGTH = 64;

type CredentialErrors = { username?: string; password?: string };

/** Reasons, per field, why these credentials would be refused; empty when they are fine. */
function validateCredentials(username: string, password: string): CredentialErrors {
  const errors: CredentialErrors = {};
  const usernameProblem = lengthProblem("username", username, USERNAME_MAX_LENGTH);
  if (usernameProblem !== undefined) {
    errors.username = usernameProblem;
  } else if (username.trim() !== username) {
    errors.username = "The username can't start or end with a space.";
  }
  const passwordProblem = lengthProblem("password", password, PASSWORD_MAX_LENGTH);
  if (passwordProblem !== undefined) {
    errors.password = passwordProblem;
  }
  return errors;
}

function lengthProblem(name: string, value: string, maxLength: number): string | undefined {
  const length = [...value].length;
  if (length < CREDENTIAL_MIN_LENGTH) {
    return `The ${name} needs at least ${CREDENTIAL_MIN_LENGTH} characters (now ${length}).`;
  }
  if (length > maxLength) {
    return `The ${name} can have at most ${maxLength} characters.`;
  }
  return undefined;
}

/** What the transfer form holds, as typed. */
type TransferInput = { amount: string; to: string; description: string };

type TransferErrors = { amount?: string; to?: string; description?: string };

/** Either what to send (cents, a normalised `to`), or the reasons per field. */
type TransferCheck =
  | { ok: true; cents: number; to: string; description: string }
  | { ok: false; errors: TransferErrors };

/**
 * Validate a transfer from `ownIban`. `to` may be an account of this bank (its check
 * digits must be right), `cash`, or any other counter-party outside the bank.
 */
function validateTransfer(input: TransferInput, ownIban: string): TransferCheck {
  const errors: TransferErrors = {};
  const amount = parseEuroAmount(input.amount);
  if (!amount.ok) {
    errors.amount = amount.reason;
  }
  const to = normaliseTo(input.to);
  const toProblem = checkTo(to, ownIban);
  if (toProblem !== undefined) {
    errors.to = toProblem;
  }
  const description = input.description.trim();
  if ([...description].length > DESCRIPTION_MAX_LENGTH) {
    errors.description = `The description can have at most ${DESCRIPTION_MAX_LENGTH} characters.`;
  }
  if (!amount.ok || Object.keys(errors).length > 0) {
    return { ok: false, errors };
  }
  return { ok: true, cents: amount.cents, to, description };
}

/** Account numbers are compacted ("NL66 OPEN 0000 …"); other names are only trimmed. */
function normaliseTo(typed: string): string {
  const compact = compactIban(typed);
  return /^NL\d{2}OPEN/.test(compact) ? compact : typed.trim();
}

function checkTo(to: string, ownIban: string): string | undefined {
  if (to === "") {
    return "Enter who receives the money: an account number, or a name.";
  }
  if ([...to].length > TO_MAX_LENGTH) {
    return `The receiver can have at most ${TO_MAX_LENGTH} characters.`;
  }
  if (to === compactIban(ownIban)) {
    return "That is your own account; choose another receiver.";
  }
  if (/^NL\d{2}OPEN/.test(to) && !looksLikeOpenIban(to)) {
    return "An open-bank account number is NL, two digits, OPEN and ten digits.";
  }
  if (looksLikeOpenIban(to) && !isValidOpenIban(to)) {
    return "The check digits of this account number don't match; is it mistyped?";
  }
  return undefined;
}
