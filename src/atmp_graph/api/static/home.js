// Sets up YASGUI on the home page from the JSON config the server embeds (no inline script: CSP).
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("atmp-config").textContent);
  var Yasgui = window.Yasgui && (window.Yasgui.default || window.Yasgui);
  var element = document.getElementById("yasgui");
  if (!Yasgui || !element) { return; }
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var Yasqe = Yasgui.Yasqe;

  // Names of this graph for atmp: and kb:, from /suggest (label words) instead of LOV.
  Yasqe.registerAutocompleter({
    name: "atmpTerms",
    bulk: false,
    autoShow: true,
    persistenceId: null,
    isValidCompletionPosition: function (yasqe) {
      var token = yasqe.getCompleteToken();
      return /^(atmp|kb):[\w-]*$/.test(token.string || "");
    },
    get: function (yasqe, token) {
      var text = token.autocompletionString || token.string || "";
      var local = text.replace(/^(atmp|kb):/, "");
      if (!local) { return Promise.resolve([]); }
      var prefix = text.split(":")[0] + ":";
      return fetch("/suggest?limit=15&q=" + encodeURIComponent(local))
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) {
          return data.suggestions.map(function (s) { return s.curie; })
            .filter(function (c) { return c.indexOf(prefix) === 0; });
        });
    }
  }, false);
  Yasqe.defaults.autocompleters = ["prefixes", "variables", "atmpTerms"];
  Yasqe.defaults.prefixCcApi = new URL("/prefixes.json", window.location.href).href;

  var yasgui = new Yasgui(element, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    yasqe: { value: config.start }
  });
  var prefixes = config.start.split("\n\n")[0];
  config.examples.forEach(function (example) {
    var text = /^\s*PREFIX/m.test(example.query) ? example.query : prefixes + "\n\n" + example.query;
    yasgui.addTab(false, { name: example.name, yasqe: { value: text }, requestConfig: { endpoint: endpoint } });
  });
  window.atmpYasgui = yasgui;
}());
