// The page's only stylesheet and script, inline (no build step, no CDN) and allowed by the CSP through
// their hashes. The script polls the live endpoint named by <main data-live> and rewrites the running
// operations and rollouts tables from the cells the server computed, with textContent and href only:
// no data is ever parsed as HTML in the browser.
import { sha256Source } from './html';

export const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:.6em 1.2em;display:flex;gap:1.5em;align-items:center}
header a{color:#cfe0ff}header form{margin-left:auto}
main{padding:1em 1.2em}
h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.6em}
table{border-collapse:collapse;background:#fff;margin:.4em 0;min-width:40%}
th,td{border:1px solid #d6dae1;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#eceff3}td.num{text-align:right}
td.empty{color:#777;font-style:italic}
.details{font-family:ui-monospace,monospace;font-size:12px;white-space:pre-wrap;word-break:break-all;max-width:48em}
.warn{color:#9a5b00}.muted{color:#666}
.notes{color:#555;font-size:12px}
svg{background:#fff;border:1px solid #d6dae1;margin:.4em 0}
button,input{font:inherit}
`;

export const SCRIPT = `(function () {
  var main = document.querySelector('main[data-live]');
  if (!main) return;
  var url = main.getAttribute('data-live');
  var every = Number(main.getAttribute('data-poll-ms')) || 2000;
  var status = document.getElementById('live-status');
  var warnings = document.getElementById('live-warnings');
  function fill(id, rows, empty) {
    var body = document.getElementById(id);
    if (!body) return;
    var width = body.parentElement.tHead.rows[0].cells.length;
    var trs = rows.map(function (cells) {
      var tr = document.createElement('tr');
      cells.forEach(function (c) {
        var td = document.createElement('td');
        if (c.cls) td.className = c.cls;
        if (c.href) {
          var a = document.createElement('a');
          a.href = c.href;
          a.textContent = c.text;
          if (c.external) a.rel = 'noreferrer';
          td.appendChild(a);
        } else td.textContent = c.text;
        tr.appendChild(td);
      });
      return tr;
    });
    if (trs.length === 0) {
      var tr = document.createElement('tr');
      var td = document.createElement('td');
      td.colSpan = width;
      td.className = 'empty';
      td.textContent = empty;
      tr.appendChild(td);
      trs.push(tr);
    }
    body.replaceChildren.apply(body, trs);
  }
  function tick() {
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (live) {
        fill('operations-rows', live.rows.operations, 'no operation running');
        fill('rollouts-rows', live.rows.rollouts, 'no rollout running');
        if (warnings) warnings.replaceChildren.apply(warnings, live.warnings.map(function (w) { var li = document.createElement('li'); li.textContent = w; return li; }));
        if (status) status.textContent = 'live, as of ' + live.at;
      })
      .catch(function (e) { if (status) status.textContent = 'live updates stopped: ' + e.message + ' (retrying)'; })
      .then(function () { setTimeout(tick, every); });
  }
  setTimeout(tick, every);
})();`;

export const STYLE_HASH = sha256Source(STYLE);
export const SCRIPT_HASH = sha256Source(SCRIPT);
