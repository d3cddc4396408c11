/**
 * Entry point: the header (navigation and connection state) and a hash router that
 * swaps pages, stopping the old page's live subscriptions. Hash routes (`#/client`) need
 * no server-side rewrite, so nginx serves the app as plain files.
 */

import "./style.css";

import { backgroundPage } from "./pages/background";
import { clientPage } from "./pages/client";
import { dashboardPage } from "./pages/dashboard";
import { employeePage } from "./pages/employee";
import { eventsPage } from "./pages/events";
import { homePage } from "./pages/home";
import type { Page } from "./pages/page";
import { connectionBanner } from "./ui/connectionBanner";
import { el } from "./ui/dom";

type Route = { path: string; title: string; make: () => Page };

const ROUTES: Route[] = [
  { path: "#/", title: "Home", make: homePage },
  { path: "#/employee", title: "Bank employee", make: employeePage },
  { path: "#/events", title: "Events", make: eventsPage },
  { path: "#/client", title: "Client", make: clientPage },
  { path: "#/background", title: "Background", make: backgroundPage },
  { path: "#/dashboard", title: "Dashboard", make: dashboardPage },
];

const links = ROUTES.map((route) =>
  el("a", { href: route.path, "data-testid": `nav-${route.path.slice(2) || "home"}` }, route.title),
);
const main = el("main", { id: "main", tabindex: -1 });
const skipLink = el("a", { href: "#main", class: "skip-link" }, "Skip to content");
// The hash is the route, so the skip link moves focus itself instead of changing it.
skipLink.addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});
document.body.replaceChildren(
  skipLink,
  el(
    "header",
    { class: "site-header" },
    el("a", { href: "#/", class: "brand" }, "open-bank"),
    el("nav", { "aria-label": "Pages" }, el("ul", {}, ...links.map((link) => el("li", {}, link)))),
    connectionBanner(),
  ),
  main,
);

let current: Page | null = null;

function render(): void {
  const hash = window.location.hash === "" ? "#/" : window.location.hash;
  const route = ROUTES.find((r) => r.path === hash) ?? ROUTES[0];
  if (route === undefined) {
    return;
  }
  current?.dispose();
  current = route.make();
  main.replaceChildren(current.element);
  document.title = `${route.title} · open-bank`;
  for (const [index, link] of links.entries()) {
    if (ROUTES[index] === route) {
      link.setAttribute("aria-current", "page");
    } else {
      link.removeAttribute("aria-current");
    }
  }
}

window.addEventListener("hashchange", () => {
  render();
  main.focus();
});
render();
