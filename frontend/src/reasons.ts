/**
 * Where to show a failure the server reported: next to the field it is about, or for
 * the whole form. Reasons are the command handler's texts (SPEC §3) and the API's
 * validation errors, which name the argument they are about.
 */

export { type AccountField, type TransferField, accountFieldFor, transferFieldFor };

type TransferField = "amount" | "to" | "description" | "form";
type AccountField = "username" | "password" | "form";

function transferFieldFor(reason: string): TransferField {
  const text = reason.toLowerCase();
  if (text.includes("insufficient funds") || /\bamount\b/.test(text)) {
    return "amount";
  }
  if (text.includes("can't be same") || text.includes("not known at this bank") || /\bto\b/.test(text)) {
    return "to";
  }
  if (/\bdescr(iption)?\b/.test(text)) {
    return "description";
  }
  return "form";
}

function accountFieldFor(reason: string): AccountField {
  const text = reason.toLowerCase();
  if (text.includes("password")) {
    return "password";
  }
  if (text.includes("username")) {
    return "username";
  }
  return "form";
}
