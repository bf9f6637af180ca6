/**
 * The dashboard's one inline script: it polls the page's JSON endpoint (same origin) and
 * swaps in the regions the server rendered, so a study page follows the run without a
 * reload; the curves, a larger SVG, are fetched only when they changed. The server escapes
 * every region; the page's CSP allows this script alone (by hash) and same-origin fetches.
 * Plain ES2017 so any current browser runs it as is.
 *
 * @example
 *   page({ title, body, script: CLIENT_SCRIPT });
 */
export const CLIENT_SCRIPT = `(function () {
  'use strict';
  var body = document.body;
  var api = body.getAttribute('data-api');
  if (!api) return;
  var curvesUrl = body.getAttribute('data-curves');
  var curvesVersion = body.getAttribute('data-curves-version') || '';
  var shown = {};
  var live = document.getElementById('live');
  function set(id, markup) {
    if (shown[id] === markup) return;
    var el = document.getElementById(id);
    if (!el) return;
    el.innerHTML = markup;
    shown[id] = markup;
  }
  function loadCurves(version) {
    fetch(curvesUrl, { cache: 'no-store' })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (svg) {
        if (svg === null) return;
        set('curves', svg);
        curvesVersion = version;
      })
      .catch(function () {});
  }
  function tick() {
    var next = 5000;
    fetch(api, { cache: 'no-store' })
      .then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json();
      })
      .then(function (s) {
        var regions = s.regions || {};
        Object.keys(regions).forEach(function (id) { set(id, regions[id]); });
        if (s.state) body.setAttribute('data-state', s.state);
        if (curvesUrl && s.curvesVersion && s.curvesVersion !== curvesVersion) loadCurves(s.curvesVersion);
        if (live) live.textContent = 'live, updated ' + new Date().toLocaleTimeString();
        next = s.active ? 1000 : 5000;
      })
      .catch(function () {
        if (live) live.textContent = 'cannot reach the dashboard; retrying';
      })
      .then(function () { setTimeout(tick, next); });
  }
  if (curvesUrl && body.getAttribute('data-curves-pending') === 'true') loadCurves(curvesVersion);
  setTimeout(tick, 1000);
})();
`;
