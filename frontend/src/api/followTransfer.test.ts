import { afterEach, describe, expect, it, vi } from "vitest";

import { type SubscribeFn, followTransfer } from "./followTransfer";
import type { MoneyTransferResult } from "./operations";

type Data = { money_transfer: MoneyTransferResult | null };

/** A fake subscription: the test pushes results; records disposal. */
function fakeSubscription() {
  const sinks: { next: (data: Data) => void; error: (e: Error) => void; complete: () => void }[] =
    [];
  let disposed = 0;
  const subscribe = ((_query: string, _variables: Record<string, unknown>, sink: never) => {
    sinks.push(sink);
    return () => {
      disposed += 1;
    };
  }) as SubscribeFn;
  return {
    subscribe,
    push: (result: MoneyTransferResult) => sinks[0]?.next({ money_transfer: result }),
    fail: (message: string) => sinks[0]?.error(new Error(message)),
    disposed: () => disposed,
  };
}

const uuid = "0f8fad5b-d9cb-469f-a165-70867728950e";
const options = (onPending = () => undefined) => ({
  timeoutMs: 1000,
  pendingTimeoutMs: 60_000,
  onPending,
});

afterEach(() => {
  vi.useRealTimers();
});

describe("followTransfer", () => {
  it("resolves null for a confirmed transfer and closes the subscription", async () => {
    const fake = fakeSubscription();
    const done = followTransfer(fake.subscribe, { uuid }, options());
    fake.push({ uuid, success: true, reason: null, pending: false });
    await expect(done).resolves.toBeNull();
    expect(fake.disposed()).toBe(1);
  });

  it("resolves with the reason of a refusal", async () => {
    const fake = fakeSubscription();
    const done = followTransfer(fake.subscribe, { uuid }, options());
    fake.push({ uuid, success: false, reason: "insufficient funds", pending: false });
    await expect(done).resolves.toBe("insufficient funds");
  });

  it("says pending once, then resolves with the decided result on the same subscription", async () => {
    vi.useFakeTimers();
    const fake = fakeSubscription();
    const onPending = vi.fn();
    const done = followTransfer(fake.subscribe, { uuid }, options(onPending));
    fake.push({ uuid, success: null, reason: null, pending: true });
    expect(onPending).toHaveBeenCalledTimes(1);
    // Past the first time-out: a pending transfer waits on for its decision.
    vi.advanceTimersByTime(5_000);
    fake.push({ uuid, success: null, reason: null, pending: true }); // a re-subscription
    expect(onPending).toHaveBeenCalledTimes(1);
    fake.push({ uuid, success: true, reason: null, pending: false });
    await expect(done).resolves.toBeNull();
    expect(fake.disposed()).toBe(1);
  });

  it("gives up when no first answer comes in time", async () => {
    vi.useFakeTimers();
    const fake = fakeSubscription();
    const done = followTransfer(fake.subscribe, { uuid }, options());
    vi.advanceTimersByTime(1001);
    await expect(done).rejects.toThrow("no answer within 1 s");
    expect(fake.disposed()).toBe(1);
  });

  it("gives up on a pending transfer only after the pending wait", async () => {
    vi.useFakeTimers();
    const fake = fakeSubscription();
    const done = followTransfer(fake.subscribe, { uuid }, options());
    fake.push({ uuid, success: null, reason: null, pending: true });
    vi.advanceTimersByTime(59_000);
    fake.push({ uuid, success: false, reason: "invalid token", pending: false });
    await expect(done).resolves.toBe("invalid token");
  });

  it("passes an error answer on", async () => {
    const fake = fakeSubscription();
    const done = followTransfer(fake.subscribe, { uuid }, options());
    fake.fail("the database is not reachable right now; try again in 2 s");
    await expect(done).rejects.toThrow("not reachable");
  });
});
