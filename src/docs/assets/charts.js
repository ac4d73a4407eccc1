/* jmap docs: the charts, drawn as SVG (or HTML where a table reads better)
 * by hand. A library would be bigger than all of this, and would have to be
 * vendored to keep the site offline; these five charts need little. */
(function () {
  'use strict';

  var JMAP = window.JMAP;
  var esc = JMAP.esc;
  var fmt = JMAP.fmt;
  var charts = (JMAP.charts = {});

  function width(el, fallback) {
    return Math.max(320, Math.floor(el.clientWidth || fallback || 960));
  }

  /** Round steps (1, 2, 2.5, 5 x 10^k) covering 0..max in about `count` ticks. */
  function niceTicks(max, count) {
    if (!(max > 0)) return [0, 1];
    var raw = max / count;
    var mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 2.5, 5, 10].map(function (m) { return m * mag; }).find(function (s) { return s >= raw; });
    var ticks = [];
    for (var v = 0; v <= max + step * 0.999; v += step) ticks.push(Math.round(v * 1e9) / 1e9);
    return ticks;
  }
  charts.niceTicks = niceTicks;

  // Sequential blues for the heat map, from near white to deep navy.
  var BLUES = [[244, 247, 252], [214, 228, 247], [157, 187, 233], [91, 139, 214], [47, 111, 223], [27, 61, 126]];
  function blue(t) {
    t = Math.max(0, Math.min(1, t));
    var x = t * (BLUES.length - 1);
    var i = Math.min(BLUES.length - 2, Math.floor(x));
    var f = x - i;
    var c = BLUES[i].map(function (a, k) { return Math.round(a + (BLUES[i + 1][k] - a) * f); });
    return 'rgb(' + c.join(',') + ')';
  }

  // ---------------------------------------------------------------- funnel
  /** Stage funnel as centred bars, with conversion and velocity between them. */
  charts.funnel = function (el, steps) {
    if (!steps.length) {
      el.innerHTML = '<div class="placeholder">The funnel is empty: no account reached a stage.</div>';
      return;
    }
    var rows = steps.map(function (s) { return { stage: s.stage, count: s.entered }; });
    var last = steps[steps.length - 1];
    rows.push({ stage: last.next_stage, count: last.converted });
    var top = Math.max.apply(null, rows.map(function (r) { return r.count; })) || 1;
    var first = rows[0].count || 1;
    var html = '<div class="funnel">';
    rows.forEach(function (r, i) {
      var w = Math.max(4, (r.count / top) * 100);
      html +=
        '<div class="stage">' + esc(JMAP.stageLabel(r.stage)) + '<small>stage ' + (i + 1) + '</small></div>' +
        '<div class="bar-wrap"><div class="bar" style="width:' + w.toFixed(2) + '%;background:' + JMAP.stageColor(i + 1) + '"' +
        ' data-tip="<b>' + esc(JMAP.stageLabel(r.stage)) + '</b><br>' + fmt.int(r.count) + ' accounts reached it">' +
        '<span class="funnel-count" data-stage="' + esc(r.stage) + '" data-value="' + r.count + '">' + fmt.int(r.count) + '</span></div></div>' +
        '<div class="share">' + (i === 0 ? 'accounts entering the funnel' : '<b>' + fmt.pct(r.count / first) + '</b> of ' + esc(JMAP.stageLabel(rows[0].stage).toLowerCase())) + '</div>';
      if (i < steps.length) {
        var s = steps[i];
        var rate = s.conversion_rate;
        html +=
          '<div></div><div class="step"><span class="arrow">&#8595;</span>' +
          '<span class="pill rate' + (rate != null && rate < 0.4 ? ' low' : '') + '" data-stage="' + esc(s.stage) + '" data-value="' + (rate == null ? '' : rate) + '">' + fmt.pct(rate) + '</span>' +
          '<span>convert to ' + esc(JMAP.stageLabel(s.next_stage)) + ' &middot; median <b>' + fmt.days(s.median_days) + '</b>' +
          (s.p75_days != null ? ' &middot; 75% within ' + fmt.days(s.p75_days) : '') + '</span></div><div></div>';
      }
    });
    el.innerHTML = html + '</div>';
  };

  // ---------------------------------------------------------------- sankey
  /** Converting paths: 1st, 2nd, 3rd and last touch, then the conversion. */
  charts.sankey = function (el, flows) {
    if (!flows.conversions) {
      el.innerHTML = '<div class="placeholder">No conversions of this type yet.</div>';
      return;
    }
    var W = width(el);
    var H = 420;
    var m = { top: 30, right: 170, bottom: 6, left: 4 };
    var nodeW = 12;
    var pad = 12;
    var ncol = flows.columns.length;
    var colX = function (c) { return m.left + (c * (W - m.left - m.right - nodeW)) / (ncol - 1); };
    var nodes = flows.nodes.map(function (n, i) { return { i: i, col: n[0], label: n[1], inV: 0, outV: 0, ins: [], outs: [] }; });
    var links = flows.links.map(function (l) { return { s: nodes[l[0]], t: nodes[l[1]], v: l[2], revenue: l[3] }; });
    links.forEach(function (l) {
      l.s.outV += l.v;
      l.t.inV += l.v;
      l.s.outs.push(l);
      l.t.ins.push(l);
    });
    nodes.forEach(function (n) { n.v = Math.max(n.inV, n.outV); });
    var columns = [];
    for (var c = 0; c < ncol; c++) columns.push([]);
    nodes.forEach(function (n) { columns[n.col].push(n); });
    columns.forEach(function (col) {
      col.sort(function (a, b) {
        if ((a.label === 'Other') !== (b.label === 'Other')) return a.label === 'Other' ? 1 : -1;
        return b.v - a.v || (a.label < b.label ? -1 : 1);
      });
    });
    var inner = H - m.top - m.bottom;
    var ky = Math.min.apply(null, columns.filter(function (c) { return c.length; }).map(function (col) {
      var total = col.reduce(function (s, n) { return s + n.v; }, 0);
      return (inner - (col.length - 1) * pad) / total;
    }));
    columns.forEach(function (col) {
      var used = col.reduce(function (s, n) { return s + n.v * ky; }, 0) + (col.length - 1) * pad;
      var y = m.top + (inner - used) / 2;
      col.forEach(function (n) {
        n.x = colX(n.col);
        n.y = y;
        n.h = Math.max(1, n.v * ky);
        y += n.h + pad;
      });
    });
    // Bands leave and enter each node in the order of the node at the other end.
    nodes.forEach(function (n) {
      n.outs.sort(function (a, b) { return a.t.y - b.t.y || a.t.col - b.t.col; });
      n.ins.sort(function (a, b) { return a.s.y - b.s.y || a.s.col - b.s.col; });
      var y = n.y;
      n.outs.forEach(function (l) { l.y0 = y; y += l.v * ky; });
      y = n.y;
      n.ins.forEach(function (l) { l.y1 = y; y += l.v * ky; });
    });
    var total = flows.conversions;
    var svg = '<svg width="' + W + '" height="' + H + '" class="sankey" role="img" aria-label="Paths to conversion">';
    flows.columns.forEach(function (name, c) {
      svg += '<text x="' + colX(c) + '" y="14" fill="#4a5568" font-size="12" font-weight="600">' + esc(name) + '</text>';
    });
    links.forEach(function (l) {
      var x0 = l.s.x + nodeW;
      var x1 = l.t.x;
      var h = l.v * ky;
      var xm = (x0 + x1) / 2;
      var d =
        'M' + x0 + ',' + l.y0 + 'C' + xm + ',' + l.y0 + ' ' + xm + ',' + l.y1 + ' ' + x1 + ',' + l.y1 +
        'L' + x1 + ',' + (l.y1 + h) + 'C' + xm + ',' + (l.y1 + h) + ' ' + xm + ',' + (l.y0 + h) + ' ' + x0 + ',' + (l.y0 + h) + 'Z';
      var tip = '<b>' + esc(l.s.label) + ' &#8594; ' + esc(l.t.col === ncol - 1 ? 'converted' : l.t.label) + '</b><br>' +
        fmt.int(l.v) + ' conversions (' + fmt.pct(l.v / total) + ')' + (l.revenue ? '<br><span class="t-dim">revenue ' + fmt.compact(l.revenue) + '</span>' : '');
      // Thin bands recede, so the main flows read first.
      var opacity = l.v / total >= 0.02 ? 0.34 : 0.16;
      svg += '<path class="sankey-link" d="' + d + '" fill="' + JMAP.channelColor(l.s.label) + '" fill-opacity="' + opacity + '" data-tip="' + esc(tip) + '"/>';
    });
    nodes.forEach(function (n) {
      var last = n.col === ncol - 1;
      var color = last ? '#1f7a52' : JMAP.channelColor(n.label);
      var label = last ? JMAP.stageLabel(n.label) : n.label;
      var tip = '<b>' + esc(label) + '</b> &middot; ' + esc(flows.columns[n.col]) + '<br>' + fmt.int(n.v) + ' conversions (' + fmt.pct(n.v / total) + ')';
      svg += '<rect class="sankey-node" x="' + n.x + '" y="' + n.y + '" width="' + nodeW + '" height="' + n.h + '" rx="2" fill="' + color + '" data-tip="' + esc(tip) + '"/>';
      if (n.h >= 9 || last) {
        svg += '<text class="halo" x="' + (n.x + nodeW + 6) + '" y="' + (n.y + n.h / 2 + 4) + '" font-size="12" fill="#1c2433">' + esc(label) +
          ' <tspan fill="#8391a7">' + fmt.int(n.v) + '</tspan></text>';
      }
    });
    el.innerHTML = svg + '</svg>';
    JMAP.bindTips(el);
  };

  // ---------------------------------------------------------------- heat map
  /** Channels down, stages across; `field` 2: all touches, 3: marketing. */
  charts.heatmap = function (el, hm, field, share) {
    var ns = hm.stages.length;
    var grid = hm.channels.map(function () { return new Array(ns).fill(0); });
    hm.cells.forEach(function (c) { grid[c[0]][c[1]] = c[field]; });
    var colTotals = hm.stages.map(function (_, j) { return grid.reduce(function (s, r) { return s + r[j]; }, 0); });
    var order = hm.channels.map(function (_, i) { return i; }).filter(function (i) {
      return grid[i].some(function (v) { return v > 0; });
    });
    order.sort(function (a, b) {
      return grid[b].reduce(function (s, v) { return s + v; }, 0) - grid[a].reduce(function (s, v) { return s + v; }, 0);
    });
    var value = function (i, j) { return share ? (colTotals[j] ? grid[i][j] / colTotals[j] : 0) : grid[i][j]; };
    var max = 0;
    order.forEach(function (i) { for (var j = 0; j < ns; j++) max = Math.max(max, value(i, j)); });
    var html = '<table class="heatmap"><thead><tr><th></th>';
    hm.stages.forEach(function (s) { html += '<th>' + esc(JMAP.stageLabel(s)) + '</th>'; });
    html += '<th class="total">Total</th></tr></thead><tbody>';
    order.forEach(function (i) {
      var ch = hm.channels[i];
      var rowTotal = grid[i].reduce(function (s, v) { return s + v; }, 0);
      html += '<tr><th class="row"><span class="dot" style="background:' + JMAP.channelColor(ch) + '"></span>' + esc(ch) + '</th>';
      for (var j = 0; j < ns; j++) {
        var v = value(i, j);
        var t = max ? Math.sqrt(v / max) : 0;
        var text = grid[i][j] === 0 ? '' : share ? fmt.pct(v) : fmt.int(v);
        var tip = '<b>' + esc(ch) + '</b> in ' + esc(JMAP.stageLabel(hm.stages[j])) + '<br>' + fmt.int(grid[i][j]) + ' touches &middot; ' +
          fmt.pct(colTotals[j] ? grid[i][j] / colTotals[j] : 0) + ' of the stage';
        html += '<td class="hm-cell" style="background:' + blue(t) + ';color:' + (t > 0.62 ? '#fff' : '#1c2433') + '" data-tip="' + esc(tip) + '">' + text + '</td>';
      }
      html += '<td class="total num">' + fmt.int(rowTotal) + '</td></tr>';
    });
    html += '<tr><th class="row total">Total</th>';
    colTotals.forEach(function (v) { html += '<td class="total">' + fmt.int(v) + '</td>'; });
    html += '<td class="total">' + fmt.int(colTotals.reduce(function (s, v) { return s + v; }, 0)) + '</td></tr></tbody></table>';
    el.innerHTML = html;
    JMAP.bindTips(el);
  };

  // ---------------------------------------------------------------- grouped bars
  /** Horizontal bars: one group per category, one bar per series.
   * `format(value, kind)` writes a number for the 'axis', a bar's 'label' or its 'tip'. */
  charts.groupedBars = function (el, categories, series, format) {
    var W = width(el);
    var m = { top: 26, right: 64, bottom: 8, left: 160 };
    var barH = series.length > 6 ? 7 : 9;
    var gap = 2;
    var groupGap = 14;
    var groupH = series.length * (barH + gap) - gap;
    var H = m.top + categories.length * (groupH + groupGap) + m.bottom;
    var max = 0;
    series.forEach(function (s) { s.values.forEach(function (v) { max = Math.max(max, v || 0); }); });
    var ticks = niceTicks(max, 6);
    var top = ticks[ticks.length - 1] || 1;
    var x = function (v) { return m.left + ((W - m.left - m.right) * v) / top; };
    var svg = '<svg width="' + W + '" height="' + H + '" class="bars">';
    categories.forEach(function (cat, ci) {
      if (ci % 2 === 0) {
        var yb = m.top + ci * (groupH + groupGap) - groupGap / 2;
        svg += '<rect x="' + (m.left - 150) + '" y="' + yb + '" width="' + (W - m.right + 60 - m.left + 150) + '" height="' + (groupH + groupGap) + '" rx="4" fill="#f7f9fc"/>';
      }
    });
    svg += '<g class="grid">';
    ticks.forEach(function (t) {
      svg += '<line x1="' + x(t) + '" x2="' + x(t) + '" y1="' + (m.top - 6) + '" y2="' + (H - m.bottom) + '"/>';
    });
    svg += '</g><g class="axis">';
    ticks.forEach(function (t) {
      svg += '<text x="' + x(t) + '" y="' + (m.top - 12) + '" text-anchor="middle">' + esc(format(t, 'axis')) + '</text>';
    });
    svg += '</g>';
    categories.forEach(function (cat, ci) {
      var y0 = m.top + ci * (groupH + groupGap);
      svg += '<text x="' + (m.left - 12) + '" y="' + (y0 + groupH / 2 + 4) + '" text-anchor="end" font-size="12.5" fill="#1c2433">' + esc(cat) + '</text>';
      series.forEach(function (s, si) {
        var v = s.values[ci] || 0;
        var y = y0 + si * (barH + gap);
        var tip = '<b>' + esc(cat) + '</b> &middot; ' + esc(s.label) + '<br>' + esc(format(v, 'tip'));
        if (v > 0) {
          svg += '<rect class="bar" x="' + m.left + '" y="' + y + '" width="' + Math.max(1, x(v) - m.left) + '" height="' + barH + '" rx="2" fill="' + s.color + '" data-tip="' + esc(tip) + '"/>';
          svg += '<text x="' + (x(v) + 4) + '" y="' + (y + barH - 1) + '" font-size="10" fill="#8391a7">' + esc(format(v, 'label')) + '</text>';
        }
      });
    });
    el.innerHTML = svg + '</svg>';
    JMAP.bindTips(el);
  };

  // ---------------------------------------------------------------- timeline
  /** One account's journey: a lane per person, touches as dots coloured by
   * channel, stage milestones as lines, stalls as shaded gaps. */
  charts.timeline = function (el, acc, dict) {
    var W = width(el);
    var labelW = 230;
    var m = { top: 58, right: 24, bottom: 30 };
    var laneH = 34;
    var MAX_LANES = 10;
    // Lanes: the people with the most touches, then the rest together, then
    // touches nobody could be named for.
    var counts = {};
    acc.touches.forEach(function (t) { counts[t[3]] = (counts[t[3]] || 0) + 1; });
    var people = Object.keys(counts).map(Number).filter(function (p) { return p >= 0; });
    people.sort(function (a, b) { return counts[b] - counts[a] || a - b; });
    var lanes = [];
    var laneOf = {};
    people.slice(0, MAX_LANES).forEach(function (p) {
      laneOf[p] = lanes.length;
      var person = acc.people[p] || ['', null, null];
      lanes.push({ label: person[0] || 'person without email', sub: [person[1], person[2]].filter(Boolean).join(' · '), n: counts[p] });
    });
    if (people.length > MAX_LANES) {
      var rest = people.slice(MAX_LANES);
      rest.forEach(function (p) { laneOf[p] = lanes.length; });
      lanes.push({ label: rest.length + ' more people', sub: '', n: rest.reduce(function (s, p) { return s + counts[p]; }, 0) });
    }
    if (counts[-1]) {
      laneOf[-1] = lanes.length;
      lanes.push({ label: 'Not linked to a person', sub: 'account-level touches', n: counts[-1] });
    }
    if (!lanes.length) lanes.push({ label: 'No marketing touches', sub: '', n: 0 });

    var times = acc.touches.map(function (t) { return t[0]; })
      .concat(acc.stages.map(function (s) { return s[1]; }))
      .concat(acc.gaps.map(function (g) { return g[0] - g[1] * 1440; }));
    if (!times.length) {
      el.innerHTML = '<div class="placeholder">No touches or stages for this account.</div>';
      return;
    }
    var t0 = Math.min.apply(null, times);
    var t1 = Math.max.apply(null, times);
    var span = Math.max(t1 - t0, 1440 * 7);
    t0 -= span * 0.02;
    t1 = t0 + span * 1.04;
    var H = m.top + lanes.length * laneH + m.bottom;
    var x = function (t) { return labelW + ((W - labelW - m.right) * (t - t0)) / (t1 - t0); };
    var svg = '<svg width="' + W + '" height="' + H + '" class="timeline" id="timeline-svg">';
    // lanes
    lanes.forEach(function (l, i) {
      var y = m.top + i * laneH;
      svg += '<rect x="' + labelW + '" y="' + y + '" width="' + (W - labelW - m.right) + '" height="' + laneH + '" fill="' + (i % 2 ? '#ffffff' : '#f8fafc') + '"/>';
      svg += '<text class="tl-lane-label" x="8" y="' + (y + (l.sub ? 14 : 21)) + '">' + esc(trim(l.label, 30)) + ' <tspan class="tl-lane-sub">' + fmt.int(l.n) + '</tspan></text>';
      if (l.sub) svg += '<text class="tl-lane-sub" x="8" y="' + (y + 28) + '">' + esc(trim(l.sub, 36)) + '</text>';
    });
    // month ticks
    var months = (t1 - t0) / (1440 * 30.4);
    var every = months > 30 ? 6 : months > 14 ? 3 : months > 6 ? 2 : 1;
    var d = new Date(t0 * 60000);
    d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
    svg += '<g class="axis">';
    while (d.getTime() / 60000 < t1) {
      if (d.getUTCMonth() % every === 0) {
        var tx = x(d.getTime() / 60000);
        svg += '<line x1="' + tx + '" x2="' + tx + '" y1="' + (m.top - 4) + '" y2="' + (H - m.bottom) + '" stroke="#eef1f5"/>';
        svg += '<text x="' + tx + '" y="' + (H - m.bottom + 16) + '" text-anchor="middle">' + esc(fmt.month(d.getTime())) + '</text>';
      }
      d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
    }
    svg += '</g>';
    // stalls
    acc.gaps.forEach(function (g) {
      var xa = x(g[0] - g[1] * 1440);
      var xb = x(g[0]);
      svg += '<rect class="tl-gap" x="' + xa + '" y="' + m.top + '" width="' + Math.max(1, xb - xa) + '" height="' + lanes.length * laneH + '" fill="#fbe3e1" fill-opacity="0.75"' +
        ' data-tip="<b>Stalled</b><br>' + esc(fmt.days(g[1])) + ' without a touch, until ' + esc(fmt.date(g[0])) + '"/>';
      if (xb - xa > 64) {
        svg += '<text class="tl-gap-label" x="' + (xa + xb) / 2 + '" y="' + (H - m.bottom - 6) + '" text-anchor="middle">' + esc(fmt.days(g[1])) + ' silent</text>';
      }
    });
    // stages: the first time each was reached
    var firsts = {};
    acc.stages.forEach(function (s) {
      if (!(s[0] in firsts) || s[1] < firsts[s[0]][1]) firsts[s[0]] = s;
    });
    var flagRow = [];
    Object.keys(firsts).map(Number).sort(function (a, b) { return firsts[a][1] - firsts[b][1]; }).forEach(function (k) {
      var s = firsts[k];
      var sx = x(s[1]);
      var color = JMAP.stageColor(s[0]);
      var name = dict.stages[s[0] - 1] || 'stage ' + s[0];
      var label = JMAP.stageLabel(name);
      var row = 0;
      while (flagRow[row] != null && sx - flagRow[row] < 96) row++;
      flagRow[row] = sx;
      var fy = 14 + (row % 3) * 14;
      var who = s[2] >= 0 && acc.people[s[2]] ? acc.people[s[2]][0] : '';
      var tip = '<b>' + esc(label) + '</b> reached ' + esc(fmt.date(s[1])) + (who ? '<br>by ' + esc(who) : '') + (s[3] ? '<br>value ' + esc(fmt.int(s[3])) : '');
      svg += '<line x1="' + sx + '" x2="' + sx + '" y1="' + (fy + 4) + '" y2="' + (H - m.bottom) + '" stroke="' + color + '" stroke-width="1.5" stroke-dasharray="4 3"/>';
      svg += '<g data-tip="' + esc(tip) + '"><rect x="' + (sx - 3) + '" y="' + (fy - 10) + '" width="' + (label.length * 7 + 14) + '" height="15" rx="3" fill="' + color + '"/>' +
        '<text class="tl-stage-label" x="' + (sx + 4) + '" y="' + (fy + 1) + '" fill="#fff">' + esc(label) + '</text></g>';
    });
    // touches
    acc.touches.forEach(function (t, i) {
      var lane = laneOf[t[3]];
      if (lane == null) lane = laneOf[-1] || 0;
      var jitter = ((i * 7919) % 13) - 6;
      var cy = m.top + lane * laneH + laneH / 2 + jitter * 0.9;
      var channel = dict.channels[t[1]] || '?';
      var who = t[3] >= 0 && acc.people[t[3]] ? acc.people[t[3]][0] || 'person without email' : 'not linked to a person';
      var tip = '<b>' + esc(channel) + '</b> &middot; ' + esc(String(dict.types[t[2]] || '').replace(/_/g, ' ')) + '<br>' + esc(fmt.dateTime(t[0])) + '<br><span class="t-dim">' + esc(who) + '</span>';
      svg += '<circle class="tl-touch" cx="' + x(t[0]).toFixed(1) + '" cy="' + cy.toFixed(1) + '" r="4.5" fill="' + JMAP.channelColor(channel) + '" stroke="#fff" stroke-width="1" data-tip="' + esc(tip) + '"/>';
    });
    el.innerHTML = svg + '</svg>';
    JMAP.bindTips(el);
  };

  function trim(s, n) {
    s = String(s || '');
    return s.length > n ? s.slice(0, n - 1) + '…' : s;
  }
  charts.trim = trim;
})();
