// Counts one view of this product page (catalogue/analytics.py): the product page is
// cached for everyone, so the server cannot count views itself. One small POST per page
// load; the referring page's host and the short link the visitor came through (the
// "#via=<code>" fragment the short-link redirect adds) say where the view came from.
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !navigator.sendBeacon || !window.URLSearchParams) return;
  var product = script.getAttribute("data-product");
  var endpoint = script.getAttribute("data-endpoint");
  if (!product || !endpoint) return;

  var via = "";
  var match = /^#via=([A-Za-z0-9-]{3,40})$/.exec(window.location.hash);
  if (match) {
    via = match[1];
    // A reload, a bookmark or a copied address must not count as the short link again.
    if (window.history && history.replaceState) {
      history.replaceState(history.state, "", window.location.pathname + window.location.search);
    }
  }

  function send() {
    navigator.sendBeacon(endpoint, new URLSearchParams({ product: product, referrer: document.referrer, via: via }));
  }

  // A page the browser prerendered counts when the visitor actually opens it, if ever.
  if (document.prerendering) {
    document.addEventListener("prerenderingchange", send, { once: true });
  } else {
    send();
  }
})();
