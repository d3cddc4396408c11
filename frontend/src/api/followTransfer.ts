/**
 * One money_transfer followed to its end. When the command handler has not decided within
 * the API's wait, the first result says `pending: true` and the subscription stays open;
 * the decided result follows on it the moment it is known, without a reload. A reconnect
 * re-subscribes with the same uuid, which the API answers with the same result.
 */

import { MONEY_TRANSFER, type MoneyTransferResult } from "./operations";

export { followTransfer, type FollowOptions, type SubscribeFn };

type Sink<T> = {
  next: (data: T) => void;
  error: (error: Error) => void;
  complete: () => void;
};

/** The shape of `connection.subscribe` (given, so the logic is tested without a socket). */
type SubscribeFn = <T>(
  query: string,
  variables: Record<string, unknown>,
  sink: Sink<T>,
  extensions?: Record<string, unknown>,
) => () => void;

type FollowOptions = {
  /** Give up when no first result came within this long (ms). */
  timeoutMs: number;
  /** After a pending result, give up when the decided one has not come within this (ms). */
  pendingTimeoutMs: number;
  /** Called once when the API says the transfer is pending. */
  onPending: () => void;
  /** Sent with the operation: its `traceparent` (docs/tracing.md). */
  extensions?: Record<string, unknown>;
};

/** Resolves with null (done) or the reason it was refused; rejects on errors and time-outs. */
function followTransfer(
  subscribe: SubscribeFn,
  variables: Record<string, unknown>,
  options: FollowOptions,
): Promise<string | null> {
  return new Promise<string | null>((resolve, reject) => {
    let settled = false;
    let pending = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let dispose: (() => void) | undefined;
    const finish = (action: () => void): void => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        dispose?.();
        action();
      }
    };
    const arm = (ms: number, what: string): void => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(() => reject(new Error(`${what} within ${ms / 1000} s`))), ms);
    };
    arm(options.timeoutMs, "no answer");
    dispose = subscribe<{ money_transfer: MoneyTransferResult | null }>(MONEY_TRANSFER, variables, {
      next: ({ money_transfer: result }) => {
        if (result?.pending) {
          if (!pending) {
            pending = true;
            options.onPending();
          }
          arm(options.pendingTimeoutMs, "still pending: no decision");
          return;
        }
        finish(() => resolve(result?.success ? null : (result?.reason ?? "the server gave no reason")));
      },
      error: (error) => finish(() => reject(error)),
      complete: () => finish(() => reject(new Error("the server sent no answer"))),
    }, options.extensions);
    if (settled) {
      dispose();
    }
  });
}
