/**
 * Euro amounts as people type and read them, converted to and from integer cents.
 *
 * The API takes amounts as integer euro cents (GraphQL `Int`, so at most 2^31 − 1) and
 * shows money Dutch-formatted (`€1.234,56`). People type amounts in many ways
 * ("12,50", "12.50", "1.234,56", "€ 5", "5,-"), so parsing accepts both separators and
 * refuses anything ambiguous or with fractions of a cent, saying why. No floating point
 * is used anywhere: 0.1 + 0.2 must never decide how much money moves.
 */

export {
  MAX_AMOUNT_CENTS,
  type AmountParse,
  formatCents,
  formatWholeEuros,
  parseEuroAmount,
};

/** The largest amount one transfer can carry: GraphQL `Int` is a signed 32-bit integer. */
const MAX_AMOUNT_CENTS = 2_147_483_647;

/** Outcome of {@link parseEuroAmount}: the cents, or the reason to show next to the field. */
type AmountParse = { ok: true; cents: number } | { ok: false; reason: string };

const fail = (reason: string): AmountParse => ({ ok: false, reason });

/** Format integer cents as Dutch euros, the API's format: 123456 → "€1.234,56". */
function formatCents(cents: number): string {
  if (!Number.isSafeInteger(cents)) {
    throw new RangeError(`cents must be a safe integer, got ${cents}`);
  }
  const sign = cents < 0 ? "-" : "";
  const absolute = Math.abs(cents);
  const euros = Math.floor(absolute / 100);
  const rest = absolute % 100;
  return `${sign}€${groupThousands(String(euros))},${String(rest).padStart(2, "0")}`;
}

/** Short label for a button worth whole euros: 1000 → "€10". */
function formatWholeEuros(cents: number): string {
  if (!Number.isSafeInteger(cents) || cents % 100 !== 0) {
    throw new RangeError(`not a whole number of euros: ${cents} cents`);
  }
  const sign = cents < 0 ? "-" : "";
  return `${sign}€${groupThousands(String(Math.abs(cents) / 100))}`;
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ".");
}

/**
 * Parse an amount typed by a person into cents.
 *
 * Accepted: an optional `€`/`EUR` before or after, spaces anywhere, `,` or `.` as the
 * decimal separator with one or two digits after it, the other one (or the same one,
 * when it is followed by exactly three digits) as a thousands separator, and the Dutch
 * `,-` for whole euros. The amount must be more than zero and at most
 * {@link MAX_AMOUNT_CENTS}.
 */
function parseEuroAmount(typed: string): AmountParse {
  let text = typed.replace(/[\s\u00a0\u202f]/g, "");
  text = text.replace(/^(€|eur(o|os)?)/i, "").replace(/(€|eur(o|os)?)$/i, "");
  if (text === "") {
    return fail("Enter an amount, for example 12,50.");
  }
  if (text.startsWith("-")) {
    return fail("The amount must be more than €0,00.");
  }
  text = text.replace(/^\+/, "").replace(/[,.]-{1,2}$/, "");
  if (!/^[\d.,]+$/.test(text)) {
    return fail("Use only digits, with a comma or a point before the cents.");
  }
  const split = splitEurosAndCents(text);
  if (!split.ok) {
    return split;
  }
  const { euroDigits, centDigits } = split;
  const euros = euroDigits.replace(/^0+(?=\d)/, "");
  // Ten euro digits already exceed the maximum; checking length first keeps
  // huge inputs away from Number().
  if (euros.length > 8) {
    return fail(`The amount can be at most ${formatCents(MAX_AMOUNT_CENTS)}.`);
  }
  const cents = Number(euros === "" ? "0" : euros) * 100 + Number(centDigits.padEnd(2, "0"));
  if (cents === 0) {
    return fail("The amount must be more than €0,00.");
  }
  if (cents > MAX_AMOUNT_CENTS) {
    return fail(`The amount can be at most ${formatCents(MAX_AMOUNT_CENTS)}.`);
  }
  return { ok: true, cents };
}

type Split = { ok: true; euroDigits: string; centDigits: string } | { ok: false; reason: string };

/** Decide which separator is the decimal one, and check the thousands grouping. */
function splitEurosAndCents(text: string): Split {
  const lastComma = text.lastIndexOf(",");
  const lastPoint = text.lastIndexOf(".");
  let decimalAt = -1;
  if (lastComma >= 0 && lastPoint >= 0) {
    // Both present: the later one separates the cents ("1.234,56", "1,234.56").
    decimalAt = Math.max(lastComma, lastPoint);
  } else if (lastComma >= 0 || lastPoint >= 0) {
    const at = Math.max(lastComma, lastPoint);
    const separator = text.charAt(at);
    const occurrences = text.split(separator).length - 1;
    const after = text.length - at - 1;
    // One separator followed by exactly three digits after a short first group is a
    // thousands separator ("1.234" is €1.234,00): cents never have three digits.
    const isThousands = occurrences > 1 || (after === 3 && /^[1-9]\d{0,2}[.,]\d{3}$/.test(text));
    decimalAt = isThousands ? -1 : at;
  }
  const integerPart = decimalAt >= 0 ? text.slice(0, decimalAt) : text;
  const centDigits = decimalAt >= 0 ? text.slice(decimalAt + 1) : "";
  if (!/^\d*$/.test(centDigits)) {
    return { ok: false, reason: "Write the cents after the last comma or point, e.g. 1.234,56." };
  }
  if (centDigits.length > 2) {
    return { ok: false, reason: "Use at most two digits for the cents." };
  }
  const euroDigits = ungroup(integerPart);
  if (euroDigits === null) {
    return { ok: false, reason: "Group thousands by three digits, e.g. 1.234.567,89." };
  }
  if (euroDigits === "" && centDigits === "") {
    return { ok: false, reason: "Enter an amount, for example 12,50." };
  }
  return { ok: true, euroDigits, centDigits };
}

/** "1.234.567" → "1234567"; null when the groups are not of three digits. */
function ungroup(integerPart: string): string | null {
  if (!/[.,]/.test(integerPart)) {
    return integerPart;
  }
  const groups = integerPart.split(/[.,]/);
  const separators = new Set(integerPart.replace(/\d/g, ""));
  const [first, ...rest] = groups;
  const wellFormed =
    separators.size === 1 &&
    first !== undefined &&
    /^[1-9]\d{0,2}$/.test(first) &&
    rest.every((group) => /^\d{3}$/.test(group));
  return wellFormed ? groups.join("") : null;
}
