/**
 * A status line saying whether live updates flow. While the backend is restarting it
 * says so (and that it reconnects by itself), instead of leaving a stale page silent.
 */

import { type ConnectionState, connectionState, onConnectionState } from "../api/connection";
import { el } from "./dom";

export { connectionBanner };

const TEXT: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  connected: "Live",
  reconnecting: "Connection lost — reconnecting by itself…",
};

/** The element, kept up to date; `data-state` is what tests read. */
function connectionBanner(): HTMLElement {
  const banner = el("p", {
    class: "connection",
    role: "status",
    "data-testid": "connection-state",
  });
  const render = (state: ConnectionState): void => {
    banner.dataset.state = state;
    banner.textContent = TEXT[state];
  };
  render(connectionState());
  onConnectionState(render);
  return banner;
}
