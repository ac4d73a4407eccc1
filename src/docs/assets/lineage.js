/* jmap docs: the lineage graph (lineage.html).
 *
 * The layout comes from jmap (columns by longest path, rows by barycentric
 * ordering), so nothing here iterates over the whole graph more than once per
 * frame. Drawn on a canvas: thousands of SVG elements would make panning
 * sluggish. Focusing a node keeps only its upstream and downstream, laid out
 * again by compressing the global layout (same order, no empty columns). */
(function () {
  'use strict';

  var C = window.JMAP_CATALOG;
  var esc = JMAP.esc;
  var $ = function (id) { return document.getElementById(id); };
  JMAP.header();

  var N = C.nodes.length;
  // Top to bottom: a column of jmap's layout is a row here, which suits the
  // deep, narrow graphs model projects make (and lets a page show them whole).
  var NW = 176;
  var NH = 26;
  var GX = 18;
  var GY = 36;
  var TYPE_COLORS = {
    source: '#2f9e6f',
    view: '#4f8cf7',
    table: '#1b3d7e',
    incremental: '#7c4ddb',
    ephemeral: '#8a94a6',
    fixpoint: '#f0902c',
  };
  function typeOf(n) {
    return n.type === 'source' ? 'source' : n.materialized;
  }
  function colorOf(i) {
    return TYPE_COLORS[typeOf(C.nodes[i])] || '#64748b';
  }

  // ---- graph
  var parents = [];
  var children = [];
  var byId = {};
  for (var i = 0; i < N; i++) {
    parents.push([]);
    children.push([]);
    byId[C.nodes[i].id] = i;
  }
  var E = C.edges.length / 2;
  for (var e = 0; e < E; e++) {
    var p = C.edges[2 * e];
    var c = C.edges[2 * e + 1];
    parents[c].push(p);
    children[p].push(c);
  }
  var gx = new Float64Array(N);
  var gy = new Float64Array(N);
  for (i = 0; i < N; i++) {
    gx[i] = C.row[i] * (NW + GX);
    gy[i] = C.layer[i] * (NH + GY);
  }

  // ---- view state
  var px = gx;
  var py = gy;
  var mask = null; // null: everything; else 1 upstream, 2 downstream, 3 the focus
  var focus = -1;
  var selected = -1;
  var hover = -1;
  var scale = 1;
  var tx = 0;
  var ty = 0;
  var canvas = $('graph');
  var ctx = canvas.getContext('2d');
  var dpr = window.devicePixelRatio || 1;
  var cw = 0;
  var ch = 0;
  var labels = new Array(N);

  function resize() {
    var r = canvas.parentNode.getBoundingClientRect();
    cw = Math.max(200, r.width);
    ch = Math.max(200, r.height);
    canvas.width = Math.round(cw * dpr);
    canvas.height = Math.round(ch * dpr);
  }

  function visible(i) {
    return mask === null || mask[i] > 0;
  }

  function label(i) {
    if (labels[i] === undefined) {
      var text = C.nodes[i].name;
      var max = NW - 26;
      if (ctx.measureText(text).width > max) {
        while (text.length > 2 && ctx.measureText(text + '…').width > max) text = text.slice(0, -1);
        text += '…';
      }
      labels[i] = text;
    }
    return labels[i];
  }

  var pending = false;
  function requestDraw() {
    if (!pending) {
      pending = true;
      requestAnimationFrame(function () {
        pending = false;
        draw();
      });
    }
  }

  function draw() {
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cw, ch);
    ctx.setTransform(dpr * scale, 0, 0, dpr * scale, dpr * tx, dpr * ty);
    var x0 = -tx / scale;
    var y0 = -ty / scale;
    var x1 = (cw - tx) / scale;
    var y1 = (ch - ty) / scale;
    var detailed = scale * NH >= 9;
    var many = N > 800;

    // edges: one path per colour, culled to the view
    var groups = { base: [], up: [], down: [], hot: [] };
    for (var e = 0; e < E; e++) {
      var p = C.edges[2 * e];
      var c = C.edges[2 * e + 1];
      if (!visible(p) || !visible(c)) continue;
      var ax = px[p] + NW / 2;
      var ay = py[p] + NH;
      var bx = px[c] + NW / 2;
      var by = py[c];
      if (Math.max(ax, bx) < x0 || Math.min(ax, bx) > x1 || Math.max(ay, by) < y0 || Math.min(ay, by) > y1) continue;
      var g = 'base';
      if (p === hover || c === hover || p === selected || c === selected) g = 'hot';
      else if (mask !== null) g = mask[c] === 2 ? 'down' : 'up';
      groups[g].push(ax, ay, bx, by);
    }
    var styles = {
      base: many && !detailed ? 'rgba(120,135,160,0.22)' : '#c5cdd8',
      up: '#8fb0e3',
      down: '#f0b27a',
      hot: '#2f6fdf',
    };
    ['base', 'up', 'down', 'hot'].forEach(function (g) {
      var list = groups[g];
      if (!list.length) return;
      ctx.beginPath();
      for (var k = 0; k < list.length; k += 4) {
        var my = (list[k + 1] + list[k + 3]) / 2;
        ctx.moveTo(list[k], list[k + 1]);
        ctx.bezierCurveTo(list[k], my, list[k + 2], my, list[k + 2], list[k + 3]);
      }
      ctx.strokeStyle = styles[g];
      ctx.lineWidth = (g === 'hot' ? 2 : 1.2) / Math.max(scale, 0.35);
      ctx.stroke();
    });

    // nodes
    var drawn = 0;
    var perf = $('jmap-perf');
    if (!detailed) {
      // Far out: coloured blocks, one path per type.
      var byColor = {};
      for (var i = 0; i < N; i++) {
        if (!visible(i) || px[i] > x1 || px[i] + NW < x0 || py[i] > y1 || py[i] + NH < y0) continue;
        var col = colorOf(i);
        (byColor[col] = byColor[col] || []).push(i);
        drawn++;
      }
      perf.setAttribute('data-drawn', String(drawn));
      Object.keys(byColor).forEach(function (col) {
        ctx.beginPath();
        byColor[col].forEach(function (i) { ctx.rect(px[i], py[i], NW, NH); });
        ctx.fillStyle = col;
        ctx.fill();
      });
      [focus, selected, hover].forEach(function (i) {
        if (i >= 0 && visible(i)) {
          ctx.lineWidth = 4 / scale;
          ctx.strokeStyle = '#101828';
          ctx.strokeRect(px[i], py[i], NW, NH);
        }
      });
      return;
    }
    ctx.font = '12.5px ' + getComputedStyle(document.body).fontFamily;
    ctx.textBaseline = 'middle';
    for (i = 0; i < N; i++) {
      if (!visible(i) || px[i] > x1 || px[i] + NW < x0 || py[i] > y1 || py[i] + NH < y0) continue;
      drawn++;
      var strong = i === focus || i === selected;
      ctx.beginPath();
      if (ctx.roundRect) ctx.roundRect(px[i], py[i], NW, NH, 6);
      else ctx.rect(px[i], py[i], NW, NH);
      ctx.fillStyle = i === hover ? '#f3f7fe' : '#ffffff';
      ctx.fill();
      ctx.lineWidth = strong ? 2.5 : 1;
      ctx.strokeStyle = strong ? '#101828' : i === hover ? '#2f6fdf' : '#cfd6e0';
      ctx.stroke();
      ctx.fillStyle = colorOf(i);
      ctx.fillRect(px[i] + 1, py[i] + 5, 5, NH - 10);
      ctx.fillStyle = C.nodes[i].built === false ? '#8391a7' : '#1c2433';
      ctx.fillText(label(i), px[i] + 14, py[i] + NH / 2 + 0.5);
    }
    perf.setAttribute('data-drawn', String(drawn));
  }

  // ---- fitting and focusing
  function fit() {
    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (var i = 0; i < N; i++) {
      if (!visible(i)) continue;
      minX = Math.min(minX, px[i]);
      minY = Math.min(minY, py[i]);
      maxX = Math.max(maxX, px[i] + NW);
      maxY = Math.max(maxY, py[i] + NH);
    }
    if (!isFinite(minX)) return;
    var pad = 40;
    scale = Math.min((cw - 2 * pad) / (maxX - minX), (ch - 2 * pad) / (maxY - minY), 1.25);
    scale = Math.max(scale, 0.01);
    tx = (cw - (maxX - minX) * scale) / 2 - minX * scale;
    ty = (ch - (maxY - minY) * scale) / 2 - minY * scale;
  }

  /** Positions as close to `desired` as the order and a gap of `gap` allow. */
  function spread(desired, gap) {
    var k = desired.length;
    var down = desired.slice();
    var up = desired.slice();
    for (var i = 1; i < k; i++) down[i] = Math.max(down[i], down[i - 1] + gap);
    for (i = k - 2; i >= 0; i--) up[i] = Math.min(up[i], up[i + 1] - gap);
    return down.map(function (d, i) { return (d + up[i]) / 2; });
  }

  /** Mark what `target` reaches through `links` within `depth` steps
   * (0: no limit) with `mark`; returns how many were marked. */
  function reach(target, links, mark, depth) {
    var frontier = [target];
    var marked = 0;
    for (var d = 1; frontier.length && (!depth || d <= depth); d++) {
      var next = [];
      for (var f = 0; f < frontier.length; f++) {
        var ls = links[frontier[f]];
        for (var k = 0; k < ls.length; k++) {
          if (!mask[ls[k]]) {
            mask[ls[k]] = mark;
            marked++;
            next.push(ls[k]);
          }
        }
      }
      frontier = next;
    }
    return marked;
  }

  // How far a focus reaches up and down (0: all the way); `?levels=2` in the address.
  var depth = Math.max(0, Math.min(3, +(/[?&]levels=(\d)/.exec(location.search) || [0, 0])[1]));
  function focusOn(target) {
    var t = performance.now();
    mask = new Uint8Array(N);
    mask[target] = 3;
    reach(target, parents, 1, depth);
    var down = reach(target, children, 2, depth);
    // Layers again by longest path, within what is shown (jmap's layers are
    // a topological order to do it in); the global order within each layer;
    // then positions pulled towards their neighbours as in jmap's layout.
    var members = [];
    for (var i = 0; i < N; i++) if (mask[i]) members.push(i);
    members.sort(function (a, b) { return C.layer[a] - C.layer[b] || a - b; });
    var local = {};
    members.forEach(function (n) {
      var l = 0;
      parents[n].forEach(function (p) { if (mask[p]) l = Math.max(l, local[p] + 1); });
      local[n] = l;
    });
    for (var m = members.length - 1; m >= 0; m--) {
      var n = members[m];
      var shownParent = parents[n].some(function (p) { return mask[p]; });
      var first = Infinity;
      children[n].forEach(function (c) { if (mask[c]) first = Math.min(first, local[c]); });
      if (!shownParent && first < Infinity) local[n] = Math.max(0, first - 1);
    }
    var layers = {};
    members.forEach(function (i) { (layers[local[i]] = layers[local[i]] || []).push(i); });
    var keys = Object.keys(layers).map(Number).sort(function (a, b) { return a - b; });
    var fx = new Float64Array(N);
    var fy = new Float64Array(N);
    var cols = keys.map(function (key, ci) {
      var col = layers[key].sort(function (a, b) { return C.row[a] - C.row[b]; });
      col.forEach(function (n, r) {
        fy[n] = ci * (NH + GY);
        fx[n] = (r - (col.length - 1) / 2) * (NW + GX);
      });
      return col;
    });
    var pull = function (col, links) {
      var desired = col.map(function (n) {
        var sum = 0, cnt = 0;
        links[n].forEach(function (u) { if (mask[u]) { sum += fx[u]; cnt++; } });
        return cnt ? sum / cnt : fx[n];
      });
      spread(desired, NW + GX).forEach(function (x, r) { fx[col[r]] = x; });
    };
    for (var round = 0; round < 2; round++) {
      for (var ci = 1; ci < cols.length; ci++) pull(cols[ci], parents);
      for (ci = cols.length - 2; ci >= 0; ci--) pull(cols[ci], children);
    }
    px = fx;
    py = fy;
    focus = target;
    selected = target;
    showSide(target);
    fit();
    draw();
    var ms = performance.now() - t;
    var up = members.length - 1 - down;
    $('info').textContent = C.nodes[target].name + ': ' + JMAP.fmt.int(up) + ' upstream, ' + JMAP.fmt.int(down) + ' downstream' + (depth ? ' within ' + depth + (depth === 1 ? ' step' : ' steps') : '');
    $('jmap-perf').setAttribute('data-focus-ms', ms.toFixed(1));
    $('jmap-perf').setAttribute('data-focus-nodes', String(members.length));
    if (history.replaceState) {
      history.replaceState(null, '', location.pathname + (depth ? '?levels=' + depth : '') + '#' + encodeURIComponent(C.nodes[target].id));
    }
  }

  function showAll() {
    mask = null;
    focus = -1;
    selected = -1;
    px = gx;
    py = gy;
    showSide(-1);
    fit();
    draw();
    $('info').textContent = JMAP.fmt.int(N) + ' models and sources, ' + JMAP.fmt.int(E) + ' dependencies · click one to focus on its lineage';
    if (history.replaceState) history.replaceState(null, '', location.pathname + location.search);
  }

  // ---- side panel
  function link(i) {
    return '<a href="#" data-node="' + i + '">' + esc(C.nodes[i].name) + '</a>';
  }
  /** The details panel: shown for a selected node, hidden otherwise (the
   * canvas takes its room). */
  function showSide(i) {
    var n = C.nodes[i];
    var side = $('side');
    var wasHidden = side.hidden;
    side.hidden = !n;
    if (wasHidden !== side.hidden) resize();
    if (!n) return;
    var type = typeOf(n);
    var list = function (ids) {
      if (!ids.length) return '<span class="muted">none</span>';
      var shown = ids.slice(0, 15).map(link).join('');
      return '<div class="links">' + shown + (ids.length > 15 ? '<span class="muted">and ' + (ids.length - 15) + ' more</span>' : '') + '</div>';
    };
    var html = '<button class="close" type="button" title="Close" data-close="1">&times;</button><h3>' + esc(n.name) + '</h3>' +
      '<span class="badge" style="background:' + (TYPE_COLORS[type] || '#64748b') + ';color:#fff">' + esc(type) + '</span> ' +
      (n.built === false ? '<span class="badge">not built</span>' : '') +
      '<p class="desc">' + (n.description ? esc(n.description) : '<span class="muted">No description.</span>') + '</p>' +
      '<div class="kv"><div>Relation</div><div><code>' + esc(n.relation) + '</code></div>' +
      '<div>File</div><div>' + esc(n.path) + '</div>' +
      (n.tags.length ? '<div>Tags</div><div>' + n.tags.map(esc).join(', ') + '</div>' : '') + '</div>' +
      '<h2 class="sec">Depends on</h2>' + list(parents[i]) +
      '<h2 class="sec" style="margin-top:12px">Used by</h2>' + list(children[i]);
    if (n.columns.length) {
      html += '<h2 class="sec" style="margin-top:14px">Columns (' + n.columns.length + ')</h2><ul class="cols">' +
        n.columns.slice(0, 12).map(function (c) { return '<li><b>' + esc(c.name) + '</b> <span class="muted">' + esc(c.data_type || '') + '</span></li>'; }).join('') +
        (n.columns.length > 12 ? '<li class="muted">…</li>' : '') + '</ul>';
    }
    html += '<p style="margin-top:14px"><a href="models.html#' + encodeURIComponent(n.id) + '">Open the full page (columns, tests, SQL) &#8594;</a></p>';
    $('side').innerHTML = html;
  }
  $('side').addEventListener('click', function (ev) {
    if (ev.target.closest('[data-close]')) {
      selected = -1;
      showSide(-1);
      draw();
      return;
    }
    var a = ev.target.closest('a[data-node]');
    if (!a) return;
    ev.preventDefault();
    focusOn(+a.getAttribute('data-node'));
  });

  // ---- pointer
  function nodeAt(clientX, clientY) {
    var r = canvas.getBoundingClientRect();
    var wx = (clientX - r.left - tx) / scale;
    var wy = (clientY - r.top - ty) / scale;
    for (var i = N - 1; i >= 0; i--) {
      if (visible(i) && wx >= px[i] && wx <= px[i] + NW && wy >= py[i] && wy <= py[i] + NH) return i;
    }
    return -1;
  }
  var drag = null;
  canvas.addEventListener('mousedown', function (ev) {
    drag = { x: ev.clientX, y: ev.clientY, tx: tx, ty: ty, moved: false };
  });
  window.addEventListener('mousemove', function (ev) {
    if (drag) {
      var dx = ev.clientX - drag.x;
      var dy = ev.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) {
        drag.moved = true;
        canvas.classList.add('dragging');
      }
      tx = drag.tx + dx;
      ty = drag.ty + dy;
      requestDraw();
      return;
    }
    if (ev.target !== canvas) return;
    var h = nodeAt(ev.clientX, ev.clientY);
    if (h !== hover) {
      hover = h;
      canvas.style.cursor = h >= 0 ? 'pointer' : '';
      requestDraw();
    }
    if (h >= 0) JMAP.tooltip.show('<b>' + esc(C.nodes[h].name) + '</b><br><span class="t-dim">' + esc(typeOf(C.nodes[h])) + ' &middot; ' + parents[h].length + ' in, ' + children[h].length + ' out</span>', ev);
    else JMAP.tooltip.hide();
  });
  window.addEventListener('mouseup', function (ev) {
    if (!drag) return;
    var moved = drag.moved;
    drag = null;
    canvas.classList.remove('dragging');
    if (moved || ev.target !== canvas) return;
    var i = nodeAt(ev.clientX, ev.clientY);
    if (i >= 0) focusOn(i);
  });
  canvas.addEventListener('mouseleave', function () {
    hover = -1;
    JMAP.tooltip.hide();
    requestDraw();
  });
  canvas.addEventListener('dblclick', function (ev) {
    if (nodeAt(ev.clientX, ev.clientY) < 0) showAll();
  });
  canvas.addEventListener(
    'wheel',
    function (ev) {
      ev.preventDefault();
      var r = canvas.getBoundingClientRect();
      var mx = ev.clientX - r.left;
      var my = ev.clientY - r.top;
      var k = Math.exp(-ev.deltaY * 0.0015);
      var next = Math.max(0.01, Math.min(3, scale * k));
      tx = mx - ((mx - tx) * next) / scale;
      ty = my - ((my - ty) * next) / scale;
      scale = next;
      requestDraw();
    },
    { passive: false }
  );

  // ---- search and buttons
  JMAP.suggest(
    $('node-search'),
    function (q) {
      var hits = [];
      for (var i = 0; i < N && hits.length < 400; i++) {
        var at = C.nodes[i].name.toLowerCase().indexOf(q);
        if (at >= 0) hits.push({ i: i, rank: at === 0 ? 0 : 1, len: C.nodes[i].name.length });
      }
      hits.sort(function (a, b) { return a.rank - b.rank || a.len - b.len || a.i - b.i; });
      return hits.slice(0, 12).map(function (h) {
        var n = C.nodes[h.i];
        return { label: n.name, detail: typeOf(n) + ' · ' + parents[h.i].length + ' in, ' + children[h.i].length + ' out', value: h.i };
      });
    },
    focusOn
  );
  $('show-all').onclick = showAll;
  JMAP.segmented($('depth'), [['0', 'All'], ['1', '1'], ['2', '2'], ['3', '3']], String(depth), function (v) {
    depth = +v;
    if (focus >= 0) focusOn(focus);
  });
  $('fit').onclick = function () {
    fit();
    draw();
  };
  var used = {};
  C.nodes.forEach(function (n) { used[typeOf(n)] = 1; });
  $('legend').innerHTML = Object.keys(TYPE_COLORS)
    .filter(function (t) { return used[t]; })
    .map(function (t) { return '<span><i style="background:' + TYPE_COLORS[t] + '"></i>' + t + '</span>'; })
    .join('');
  window.addEventListener('resize', function () {
    resize();
    requestDraw();
  });

  // ---- start: everything, or the node named in the address (#name)
  resize();
  ctx.font = '12.5px ' + getComputedStyle(document.body).fontFamily;
  var wanted = decodeURIComponent(location.hash.replace(/^#/, ''));
  if (wanted && byId[wanted] != null) {
    showAll();
    focusOn(byId[wanted]);
  } else {
    showAll();
  }
  $('jmap-perf').setAttribute('data-load-ms', performance.now().toFixed(1));
  $('jmap-perf').setAttribute('data-nodes', String(N));
})();
