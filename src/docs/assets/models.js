/* jmap docs: the model catalogue (models.html): an overview, and one page per
 * model or source (#name) with its description, columns, tests, config and
 * compiled SQL (loaded from its shard when opened). */
(function () {
  'use strict';

  var C = window.JMAP_CATALOG;
  var esc = JMAP.esc;
  var fmt = JMAP.fmt;
  var $ = function (id) { return document.getElementById(id); };
  JMAP.header();

  var N = C.nodes.length;
  var parents = [];
  var children = [];
  var byId = {};
  C.nodes.forEach(function (n, i) {
    parents.push([]);
    children.push([]);
    byId[n.id] = i;
  });
  for (var e = 0; e < C.edges.length; e += 2) {
    parents[C.edges[e + 1]].push(C.edges[e]);
    children[C.edges[e]].push(C.edges[e + 1]);
  }
  function typeOf(n) {
    return n.type === 'source' ? 'source' : n.materialized;
  }
  function href(i) {
    return '#' + encodeURIComponent(C.nodes[i].id);
  }

  // ---- navigation: sources, then models by folder
  (function nav() {
    var groups = {};
    var order = [];
    C.nodes.forEach(function (n, i) {
      var g = n.type === 'source' ? 'Sources' : n.path.replace(/\/[^/]*$/, '') || 'models';
      if (!groups[g]) {
        groups[g] = [];
        order.push(g);
      }
      groups[g].push(i);
    });
    order.sort(function (a, b) {
      if (a === 'Sources' || b === 'Sources') return a === 'Sources' ? -1 : 1;
      return a < b ? -1 : a > b ? 1 : 0;
    });
    var html = '<a href="#" data-i="-1"><span>Overview</span></a>';
    order.forEach(function (g) {
      var items = groups[g].slice().sort(function (a, b) { return C.nodes[a].name < C.nodes[b].name ? -1 : 1; });
      html += '<div class="group">' + esc(g) + ' <span class="muted">' + items.length + '</span></div>';
      items.forEach(function (i) {
        html += '<a href="' + href(i) + '" data-i="' + i + '"><span>' + esc(C.nodes[i].name) + '</span><span class="m">' + esc(typeOf(C.nodes[i])) + '</span></a>';
      });
    });
    $('model-list').innerHTML = html;
    $('model-filter').addEventListener('input', function () {
      var q = this.value.trim().toLowerCase();
      Array.prototype.forEach.call($('model-list').querySelectorAll('a[data-i]'), function (a) {
        var i = +a.getAttribute('data-i');
        a.style.display = !q || (i >= 0 && C.nodes[i].name.toLowerCase().indexOf(q) >= 0) ? '' : 'none';
      });
    });
  })();

  // ---- SQL, lightly highlighted
  var KEYWORDS = ('select from where group by order having limit offset with as on join left right full outer inner cross ' +
    'union all distinct case when then else end and or not null is in exists between like ilike over partition ' +
    'rows range preceding following unbounded current row window qualify lateral using coalesce cast true false ' +
    'asc desc nulls first last filter interval insert into values create table view replace if drop').split(' ');
  var KW = {};
  KEYWORDS.forEach(function (k) { KW[k] = 1; });
  function highlight(sql) {
    var re = /(--[^\n]*|\/\*[\s\S]*?\*\/)|('(?:[^']|'')*')|(\b\d+(?:\.\d+)?\b)|([A-Za-z_][A-Za-z0-9_]*)|([\s\S])/g;
    var out = '';
    var m;
    while ((m = re.exec(sql))) {
      if (m[1]) out += '<span class="c">' + esc(m[1]) + '</span>';
      else if (m[2]) out += '<span class="s">' + esc(m[2]) + '</span>';
      else if (m[3]) out += '<span class="n">' + m[3] + '</span>';
      else if (m[4]) out += KW[m[4].toLowerCase()] ? '<span class="k">' + esc(m[4]) + '</span>' : esc(m[4]);
      else out += esc(m[5]);
    }
    return out;
  }

  // ---- pages
  function links(ids) {
    if (!ids.length) return '<span class="muted">none</span>';
    return '<div class="links">' + ids.map(function (i) { return '<a href="' + href(i) + '">' + esc(C.nodes[i].name) + '</a>'; }).join('') + '</div>';
  }

  function overview() {
    var counts = {};
    var documented = 0;
    var columns = 0;
    var describedColumns = 0;
    var tests = 0;
    var models = 0;
    C.nodes.forEach(function (n) {
      counts[typeOf(n)] = (counts[typeOf(n)] || 0) + 1;
      if (n.type !== 'model') return;
      models++;
      if (n.description) documented++;
      n.columns.forEach(function (c) {
        if (c.undocumented) return;
        columns++;
        if (c.description) describedColumns++;
        tests += c.tests.length;
      });
      tests += n.tests.length;
    });
    var cards = [['Models', fmt.int(models)], ['Sources', fmt.int(counts.source || 0)]];
    [['table', 'Tables'], ['incremental', 'Incremental models'], ['view', 'Views'], ['ephemeral', 'Ephemeral models'], ['fixpoint', 'Fixpoint models']].forEach(function (t) {
      if (counts[t[0]]) cards.push([t[1], fmt.int(counts[t[0]])]);
    });
    cards.push(['Described models', models ? fmt.pct(documented / models) : '–']);
    cards.push(['Data tests', fmt.int(tests)]);
    var html = '<div class="page-head"><div><h1>Models and sources</h1><p class="sub">' + esc(C.project) +
      ': every model and source, with its description, columns, tests, config and compiled SQL.</p></div></div>' +
      '<div class="stat-cards">' + cards.map(function (c) { return '<div class="kpi"><div class="label">' + esc(c[0]) + '</div><div class="value">' + esc(c[1]) + '</div></div>'; }).join('') + '</div>';
    var list = C.nodes.map(function (n, i) { return i; }).filter(function (i) { return C.nodes[i].type === 'model'; });
    var outputs = list.filter(function (i) { return C.nodes[i].tags.indexOf('output') >= 0; });
    var shown = outputs.length ? outputs : list.slice(0, 200);
    html += '<div class="card"><div class="card-head"><div><h2>' + (outputs.length ? 'Output models' : 'Models') + '</h2><p class="note">' +
      (outputs.length ? 'The tables BI tools read (tagged <code>output</code>).' : list.length > 200 ? 'The first 200 of ' + fmt.int(list.length) + '; the list on the left has them all.' : '') +
      '</p></div></div><table class="data"><thead><tr><th>Model</th><th>Materialized</th><th>Description</th><th class="num">Columns</th><th class="num">Tests</th></tr></thead><tbody>';
    shown.forEach(function (i) {
      var n = C.nodes[i];
      var t = n.tests.length + n.columns.reduce(function (s, c) { return s + c.tests.length; }, 0);
      var d = n.description || '';
      html += '<tr><td><a href="' + href(i) + '"><b>' + esc(n.name) + '</b></a></td><td><span class="badge">' + esc(n.materialized) + '</span></td>' +
        '<td>' + (d ? esc(d.length > 170 ? d.slice(0, 169) + '…' : d) : '<span class="muted">no description</span>') + '</td>' +
        '<td class="num">' + n.columns.length + '</td><td class="num">' + t + '</td></tr>';
    });
    $('model-main').innerHTML = html + '</tbody></table></div>';
  }

  function page(i) {
    var n = C.nodes[i];
    var type = typeOf(n);
    var html = '<div class="card"><div class="model-title"><h1>' + esc(n.name) + '</h1><span class="badge">' + esc(type) + '</span>' +
      (n.built === false ? '<span class="badge">not built on ' + esc(C.target) + '</span>' : '') +
      n.tags.map(function (t) { return '<span class="badge stage">' + esc(t) + '</span>'; }).join('') + '</div>' +
      '<div class="model-meta"><span>relation <code>' + esc(n.relation.length > 140 ? n.relation.slice(0, 139) + '…' : n.relation) + '</code></span><span>' + esc(n.path) + '</span><span>package ' + esc(n.package) + '</span>' +
      '<a href="lineage.html#' + encodeURIComponent(n.id) + '">lineage graph &#8594;</a></div>' +
      '<p class="model-desc">' + (n.description ? esc(n.description) : '<span class="muted">No description. Add one in a properties file (models/*.yml).</span>') + '</p></div>';
    html += '<div class="grid-2"><div class="card"><h2 class="sec">Depends on (' + parents[i].length + ')</h2>' + links(parents[i]) + '</div>' +
      '<div class="card"><h2 class="sec">Used by (' + children[i].length + ')</h2>' + links(children[i]) + '</div></div>';
    if (n.type === 'source') {
      var s = n.source || {};
      var loc = s.location || {};
      html += '<div class="card"><h2 class="sec">Where the rows are</h2><table class="data"><tbody>' +
        '<tr><td>Kind</td><td><code>' + esc(n.materialized) + '</code></td></tr>' +
        '<tr><td>Location</td><td>' + esc(loc.type || '') + ' <code>' + esc(loc.path || (loc.schema ? loc.schema + '.' + loc.table : '') || '') + '</code></td></tr>' +
        (s.preset ? '<tr><td>Preset</td><td>' + esc(s.preset) + '</td></tr>' : '') +
        (s.filter ? '<tr><td>Filter</td><td><code>' + esc(s.filter) + '</code></td></tr>' : '') +
        '</tbody></table>' + (loc.sql ? '<pre class="sql" style="margin-top:12px">' + highlight(loc.sql) + '</pre>' : '') + '</div>';
      html += '<div class="card"><h2 class="sec">Columns: jmap\'s standard name and the source\'s own</h2><table class="data"><thead><tr><th>Standard column</th><th>Source column or expression</th></tr></thead><tbody>' +
        n.columns.map(function (c) { return '<tr><td><b>' + esc(c.name) + '</b></td><td><code>' + esc((c.description || '').replace(/^from `|`$/g, '')) + '</code></td></tr>'; }).join('') +
        '</tbody></table></div>';
      $('model-main').innerHTML = html;
      return;
    }
    html += '<div class="card"><h2 class="sec">Columns (' + n.columns.length + ')</h2>';
    if (n.columns.length) {
      html += '<table class="data"><thead><tr><th>Column</th><th>Type</th><th>Description</th><th>Tests</th></tr></thead><tbody>' +
        n.columns.map(function (c) {
          return '<tr><td><b>' + esc(c.name) + '</b></td><td class="muted">' + esc(c.data_type || '') + '</td><td>' +
            (c.description ? esc(c.description) : c.undocumented ? '<span class="muted">in the warehouse, not documented</span>' : '') + '</td><td>' +
            c.tests.map(function (t) { return '<span class="test">' + esc(t) + '</span>'; }).join('') + '</td></tr>';
        }).join('') + '</tbody></table>';
    } else {
      html += '<p class="muted">No columns documented' + (n.built === false ? ' (and not built yet, so none read from the warehouse).' : '.') + '</p>';
    }
    html += '</div>';
    var cfg = Object.keys(n.config);
    html += '<div class="grid-2"><div class="card"><h2 class="sec">Model tests</h2>' +
      (n.tests.length ? n.tests.map(function (t) { return '<div><span class="test">' + esc(t) + '</span></div>'; }).join('') : '<p class="muted">None (column tests are listed with the columns).</p>') +
      '</div><div class="card"><h2 class="sec">Config</h2><table class="data"><tbody>' +
      cfg.map(function (k) {
        var v = n.config[k];
        var text = typeof v === 'string' ? v : Array.isArray(v) ? v.join(', ') : JSON.stringify(v);
        return '<tr><td>' + esc(k) + '</td><td><code>' + esc(text) + '</code></td></tr>';
      }).join('') + '</tbody></table></div></div>';
    html += '<div class="card"><h2 class="sec">Compiled SQL</h2><pre class="sql" id="sql">loading…</pre></div>';
    $('model-main').innerHTML = html;
    var shard = Math.floor(i / C.sql_shard_size);
    JMAP.loadShard('sql', shard).then(function (texts) {
      var el = $('sql');
      if (el && current === i) el.innerHTML = highlight((texts[n.name] || '-- not compiled').replace(/^\s*\n/, ''));
    }, function (err) {
      JMAP.report(err.message);
    });
  }

  var current = null;
  function route() {
    var id = decodeURIComponent(location.hash.replace(/^#/, ''));
    var i = id && byId[id] != null ? byId[id] : -1;
    current = i;
    if (i >= 0) page(i);
    else overview();
    Array.prototype.forEach.call($('model-list').querySelectorAll('a[data-i]'), function (a) {
      a.classList.toggle('active', +a.getAttribute('data-i') === i);
    });
    window.scrollTo(0, 0);
  }
  window.addEventListener('hashchange', route);
  route();
  $('jmap-perf').setAttribute('data-load-ms', performance.now().toFixed(1));
})();
