/**
 * The one WebSocket to `/graphql` (graphql-transport-ws protocol via `graphql-ws`), kept
 * open and re-opened by itself: after a backend restart every live subscription comes
 * back without a page reload, and the page says "reconnecting" in the meantime.
 *
 * graphql-ws already retries a closed socket and re-subscribes; this module adds what it
 * leaves to the application: retrying forever with a short, capped back-off (a person is
 * waiting), a dead-connection check by ping/pong, a new client when the old one gave up
 * on a close code it deems fatal, and a readable connection state.
 */

import { type Client, createClient } from "graphql-ws";

export {
  type ConnectionState,
  GraphqlRequestError,
  connectionState,
  onConnectionState,
  onReconnected,
  requestOnce,
  subscribe,
};

type ConnectionState = "connecting" | "connected" | "reconnecting";

/** A GraphQL error answer, or a connection that failed for good; message is for people. */
class GraphqlRequestError extends Error {
  override name = "GraphqlRequestError";
}

/** Ping every 10 s; no pong within 5 s means the connection is dead (ms). */
const KEEP_ALIVE_MS = 10_000;
const PONG_TIMEOUT_MS = 5_000;
/** Back-off between reconnect attempts: 250 ms doubling to at most 2 s, plus jitter (ms). */
const RETRY_BASE_MS = 250;
const RETRY_MAX_MS = 2_000;
/** Pause before a new client replaces one that stopped on a fatal close code (ms). */
const REVIVE_AFTER_MS = 1_000;

let state: ConnectionState = "connecting";
let everConnected = false;
const stateListeners = new Set<(state: ConnectionState) => void>();
const reconnectListeners = new Set<() => void>();
let client: Client = makeClient();

function socketUrl(): string {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${window.location.host}/graphql`;
}

function setState(next: ConnectionState): void {
  if (next !== state) {
    state = next;
    for (const listener of stateListeners) {
      listener(next);
    }
  }
}

function makeClient(): Client {
  let socket: WebSocket | undefined;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;
  const made = createClient({
    url: socketUrl,
    lazy: false,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    retryWait: async (retries) => {
      const wait = Math.min(RETRY_BASE_MS * 2 ** retries, RETRY_MAX_MS) + Math.random() * 250;
      await new Promise((resolve) => setTimeout(resolve, wait));
    },
    keepAlive: KEEP_ALIVE_MS,
    onNonLazyError: () => {
      setState("reconnecting");
      setTimeout(revive, REVIVE_AFTER_MS);
    },
    on: {
      connecting: () => setState(everConnected ? "reconnecting" : "connecting"),
      connected: (opened) => {
        socket = opened as WebSocket;
        const wasDown = everConnected;
        everConnected = true;
        setState("connected");
        if (wasDown) {
          for (const listener of reconnectListeners) {
            listener();
          }
        }
      },
      closed: () => {
        clearTimeout(pongTimer);
        setState(everConnected ? "reconnecting" : "connecting");
      },
      ping: (received) => {
        if (!received) {
          pongTimer = setTimeout(() => {
            if (socket?.readyState === WebSocket.OPEN) {
              socket.close(4408, "Pong not received in time");
            }
          }, PONG_TIMEOUT_MS);
        }
      },
      pong: (received) => {
        if (received) {
          clearTimeout(pongTimer);
        }
      },
    },
  });
  return made;
}

/** Replace a client that stopped retrying; live subscriptions re-attach to the new one. */
function revive(): void {
  void client.dispose();
  client = makeClient();
}

function connectionState(): ConnectionState {
  return state;
}

/** Call `listener` on every state change; returns the function that stops it. */
function onConnectionState(listener: (state: ConnectionState) => void): () => void {
  stateListeners.add(listener);
  return () => stateListeners.delete(listener);
}

/** Call `listener` each time the connection is back after being down (to refill lists). */
function onReconnected(listener: () => void): () => void {
  reconnectListeners.add(listener);
  return () => reconnectListeners.delete(listener);
}

function errorMessage(error: unknown): string {
  if (Array.isArray(error)) {
    const messages = error.map((item: { message?: unknown }) => String(item.message ?? item));
    return messages.join("; ");
  }
  if (error instanceof Error) {
    return error.message;
  }
  if (typeof error === "object" && error !== null && "code" in error) {
    const { code, reason } = error as { code: unknown; reason?: unknown };
    return `connection closed (${String(code)}${reason ? `: ${String(reason)}` : ""})`;
  }
  return String(error);
}

type Sink<T> = {
  next: (data: T) => void;
  error: (error: GraphqlRequestError) => void;
  complete: () => void;
};

/**
 * Subscribe through the current client; GraphQL errors arrive as GraphqlRequestError.
 * `extensions` go with the operation (its `traceparent`, docs/tracing.md).
 */
function subscribe<T>(
  query: string,
  variables: Record<string, unknown>,
  sink: Sink<T>,
  extensions?: Record<string, unknown>,
): () => void {
  return client.subscribe<T>(
    extensions ? { query, variables, extensions } : { query, variables },
    {
      next: (result) => {
        if (result.errors !== undefined && result.errors.length > 0) {
          sink.error(new GraphqlRequestError(errorMessage(result.errors)));
        } else if (result.data !== undefined && result.data !== null) {
          sink.next(result.data);
        }
      },
      error: (error: unknown) => sink.error(new GraphqlRequestError(errorMessage(error))),
      complete: sink.complete,
    },
  );
}

/**
 * Send a query (or a subscription that answers once, like get_account and
 * money_transfer) and resolve with its first result. Waits for the connection while it
 * is down; gives up after `timeoutMs`.
 */
function requestOnce<T>(
  query: string,
  variables: Record<string, unknown>,
  timeoutMs: number,
  extensions?: Record<string, unknown>,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (action: () => void): void => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        dispose();
        action();
      }
    };
    const timer = setTimeout(
      () => finish(() => reject(new GraphqlRequestError(`no answer within ${timeoutMs / 1000} s`))),
      timeoutMs,
    );
    const dispose = subscribe<T>(
      query,
      variables,
      {
        next: (data) => finish(() => resolve(data)),
        error: (error) => finish(() => reject(error)),
        complete: () => finish(() => reject(new GraphqlRequestError("the server sent no answer"))),
      },
      extensions,
    );
  });
}
