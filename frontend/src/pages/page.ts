/** What every page gives the router: its element, and how to stop its subscriptions. */

export type { Page };

type Page = { element: HTMLElement; dispose: () => void };
