/**
 * The GraphQL documents the UI sends, written against the original schema (SPEC §4,
 * snake_case), and the shapes of their results. Kept in one place so a schema change
 * shows up here only.
 */

export {
  ALL_LAST_TRANSACTIONS,
  GET_ACCOUNT,
  MONEY_TRANSFER,
  STREAM_TRANSACTIONS,
  TRANSACTIONS_BY_IBAN,
  type AccountResult,
  type Direction,
  type MoneyTransferResult,
  type Transaction,
};

type Direction = "DEBIT" | "CREDIT";

/** One BalanceChanged as the API shows it; money fields are Dutch-formatted euros. */
type Transaction = {
  id: number;
  iban: string | null;
  new_balance: string | null;
  changed_by: string | null;
  from_to: string | null;
  descr: string | null;
  direction: Direction | null;
  /** The trace it was delivered in, when traced and streamed live (docs/tracing.md). */
  traceparent?: string | null;
  /** Its place in the account's decided order; null (or absent): older than any number. */
  decided?: number | null;
};

/** get_account answers with an iban and token, or with a reason ("incorrect password"). */
type AccountResult = { iban: string | null; token: string | null; reason: string | null };

/**
 * money_transfer answers success, or the handler's reason ("insufficient funds"); when the
 * handler has not decided within the API's wait, first `pending: true`, then the result.
 */
type MoneyTransferResult = {
  uuid: string | null;
  success: boolean | null;
  reason: string | null;
  pending?: boolean | null;
};

const TRANSACTION_FIELDS = "id iban new_balance changed_by from_to descr direction decided";

const TRANSACTIONS_BY_IBAN = `query transactions_by_iban($iban: String!, $max_items: Int!) {
  transactions_by_iban(iban: $iban, max_items: $max_items) { ${TRANSACTION_FIELDS} }
}`;

const ALL_LAST_TRANSACTIONS = `query all_last_transactions {
  all_last_transactions { ${TRANSACTION_FIELDS} }
}`;

const STREAM_TRANSACTIONS = `subscription stream_transactions($iban: String) {
  stream_transactions(iban: $iban) { ${TRANSACTION_FIELDS} traceparent }
}`;

const GET_ACCOUNT = `subscription get_account($username: String!, $password: String!) {
  get_account(username: $username, password: $password) { iban token reason }
}`;

const MONEY_TRANSFER = `subscription money_transfer($uuid: String!, $token: String!, $amount: Int!,
    $from: String!, $to: String!, $descr: String!) {
  money_transfer(uuid: $uuid, token: $token, amount: $amount, from: $from, to: $to, descr: $descr) {
    uuid success reason pending
  }
}`;
