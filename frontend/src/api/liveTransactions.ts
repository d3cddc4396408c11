/**
 * A live, newest-first list of one account's transactions: the last `maxItems` from
 * `transactions_by_iban`, then every new one from `stream_transactions`, merged by id.
 *
 * The stream is subscribed before the list is fetched, so nothing falls between the
 * two; after a reconnect the list is fetched again to fill what was missed while the
 * connection was down. A subscription that ends or fails is started again.
 */

import { startSpan } from "../tracing/spans";
import { parseTraceparent } from "../tracing/traceparent";
import { onReconnected, requestOnce, subscribe } from "./connection";
import { STREAM_TRANSACTIONS, TRANSACTIONS_BY_IBAN, type Transaction } from "./operations";

export { LiveTransactions, RESUBSCRIBE_AFTER_MS, newestFirst };

/** Wait before subscribing again after a subscription ended or failed (ms). */
const RESUBSCRIBE_AFTER_MS = 1_000;
/** Give up on one fetch of the list after this long; the next reconnect retries (ms). */
const FETCH_TIMEOUT_MS = 15_000;

/**
 * Newest first in the account's decided order: by `decided`, then by id (the event's
 * place in the log). Two command handlers can publish an older change after a newer one,
 * so the log's order alone could show a stale balance (docs/reliability.md, "Per-account
 * order"); changes from before `decided` existed count as 0 and keep their log order.
 */
function newestFirst(transactions: Iterable<Transaction>): Transaction[] {
  return [...transactions].sort((a, b) => (b.decided ?? 0) - (a.decided ?? 0) || b.id - a.id);
}

type Listener = (transactions: Transaction[]) => void;
type ErrorListener = (message: string | null) => void;

class LiveTransactions {
  private readonly byId = new Map<number, Transaction>();
  private unsubscribe: (() => void) | null = null;
  private stopReconnectListener: (() => void) | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private running = false;

  constructor(
    private readonly iban: string,
    private maxItems: number,
    private readonly onChange: Listener,
    private readonly onError: ErrorListener,
  ) {}

  start(): void {
    this.running = true;
    this.stream();
    void this.refill();
    this.stopReconnectListener = onReconnected(() => void this.refill());
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.retryTimer);
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.stopReconnectListener?.();
  }

  /** Show `maxItems` transactions from now on (5–250), fetching older ones if needed. */
  resize(maxItems: number): void {
    this.maxItems = maxItems;
    this.emit();
    void this.refill();
  }

  private stream(): void {
    this.unsubscribe = subscribe<{ stream_transactions: Transaction | null }>(
      STREAM_TRANSACTIONS,
      { iban: this.iban },
      {
        next: (data) => {
          const transaction = data.stream_transactions;
          // Filter here too: a server that ignored the filter must not mix accounts.
          if (transaction && (transaction.iban === null || transaction.iban === this.iban)) {
            this.addTraced(transaction);
          }
        },
        error: (error) => {
          this.onError(`Live updates stopped: ${error.message}. Trying again.`);
          this.restartStream();
        },
        complete: () => this.restartStream(),
      },
    );
  }

  private restartStream(): void {
    if (!this.running) {
      return;
    }
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.running) {
        this.stream();
        void this.refill();
      }
    }, RESUBSCRIBE_AFTER_MS);
  }

  private async refill(): Promise<void> {
    try {
      const data = await requestOnce<{ transactions_by_iban: (Transaction | null)[] | null }>(
        TRANSACTIONS_BY_IBAN,
        { iban: this.iban, max_items: this.maxItems },
        FETCH_TIMEOUT_MS,
      );
      this.onError(null);
      this.add((data.transactions_by_iban ?? []).filter((item) => item !== null));
    } catch (error) {
      if (this.running) {
        this.onError(`Could not load the transactions: ${(error as Error).message}.`);
      }
    }
  }

  /** Add a streamed transaction; a traced one closes its trace with a render span, from
   * its arrival to the next frame (the change on screen). */
  private addTraced(transaction: Transaction): void {
    const delivered = parseTraceparent(transaction.traceparent);
    if (delivered === null || !delivered.sampled) {
      this.add([transaction]);
      return;
    }
    const render = startSpan("render transaction", delivered);
    this.add([transaction]);
    requestAnimationFrame(() => render.end({ "transaction.id": String(transaction.id) }));
  }

  private add(transactions: Transaction[]): void {
    if (!this.running) {
      return;
    }
    for (const transaction of transactions) {
      // History has no trace context: keep the one the stream brought.
      const traceparent = transaction.traceparent ?? this.byId.get(transaction.id)?.traceparent ?? null;
      this.byId.set(transaction.id, { ...transaction, traceparent });
    }
    this.emit();
  }

  private emit(): void {
    const shown = newestFirst(this.byId.values()).slice(0, this.maxItems);
    // Forget what can no longer be shown so a long session does not grow without bound.
    if (this.byId.size > 2 * 250) {
      const keep = new Set(newestFirst(this.byId.values()).slice(0, 250).map((t) => t.id));
      for (const id of this.byId.keys()) {
        if (!keep.has(id)) {
          this.byId.delete(id);
        }
      }
    }
    this.onChange(shown);
  }
}
