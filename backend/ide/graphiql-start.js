// Starts GraphiQL on GET /graphql (loaded after React, ReactDOM, GraphiQL and the explorer
// plugin, all served by the backend from npm packages: nothing comes from outside).
// Our own code, kept out of the page so the page's CSP needs no 'unsafe-inline' script.
// Adapted from strawberry's graphiql.html (MIT); queries are kept in the URL (?q=) so a
// link shares them. Variables never are: they carry passwords and tokens, which a URL would
// leave in browser history and in nginx's access log.
"use strict";

(function startGraphiQL() {
  const WELCOME = [
    "# open-bank's GraphQL API. Ctrl-Enter runs the query; Ctrl-Space completes.",
    "# Try: { all_last_transactions { iban new_balance changed_by direction } }",
    "",
  ].join("\n");

  const parameters = new URLSearchParams(window.location.search);
  // An old link's variables are dropped from the address bar (and so from history) at once.
  if (parameters.has("variables")) {
    parameters.delete("variables");
    remember("q", parameters.get("q"));
  }
  const endpoint = window.location.origin + window.location.pathname;
  const subscriptionUrl = endpoint.replace(/^http/, "ws");

  function remember(name, value) {
    if (value) {
      parameters.set(name, value);
    } else {
      parameters.delete(name);
    }
    const search = parameters.toString();
    history.replaceState(null, "", search ? "?" + search : window.location.pathname);
  }

  const fetcher = GraphiQL.createFetcher({ url: endpoint, subscriptionUrl: subscriptionUrl });
  const explorer = GraphiQLPluginExplorer.explorerPlugin();

  function OpenBankGraphiQL() {
    const [query, setQuery] = React.useState(parameters.get("q") || WELCOME);
    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      plugins: [explorer],
      query: query,
      defaultEditorToolsVisibility: true,
      inputValueDeprecation: true,
      onEditQuery: function (edited) {
        setQuery(edited);
        remember("q", edited);
      },
    });
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(OpenBankGraphiQL),
  );
})();
