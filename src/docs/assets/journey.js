/* jmap docs: the journey map page (index.html), from data/journey.js. */
(function () {
  'use strict';

  var J = window.JMAP_JOURNEY;
  var fmt = JMAP.fmt;
  var esc = JMAP.esc;
  var $ = function (id) { return document.getElementById(id); };
  var started = performance.now();
  var initialHash = location.hash;
  JMAP.header();

  // Nothing to map: say so once, instead of in every card.
  if (!J.package || !J.warehouse) {
    var why = !J.package
      ? 'This project does not build the journey package (<code>builtin_package: false</code> and no journey models), so there is no journey map to draw.'
      : 'There is no warehouse yet: <code>jmap run</code> builds the tables the journey map shows; then run <code>jmap docs</code> again.';
    Array.prototype.forEach.call(document.querySelectorAll('main .card, #kpis, #won-journey'), function (el) { el.hidden = true; });
    var card = document.createElement('section');
    card.className = 'card';
    card.innerHTML = '<h2>No journey map</h2><p class="note">' + why + '</p>' +
      '<p class="note" style="margin-top:12px">The <a href="lineage.html">lineage graph</a> and the <a href="models.html">models</a> are documented all the same.</p>';
    document.querySelector('main').appendChild(card);
    $('subtitle').textContent = window.JMAP_META ? window.JMAP_META.project : '';
    return;
  }

  var accounts = J.accounts.ready;
  var asOf = accounts ? accounts.as_of : null;
  $('subtitle').textContent =
    (window.JMAP_META ? window.JMAP_META.project + ' · ' : '') +
    (asOf ? 'data up to ' + fmt.date(asOf) + ' (the latest touch)' : 'from the output tables of the last run');
  $('foot').innerHTML =
    'Built by jmap ' + esc(window.JMAP_META ? window.JMAP_META.jmap_version : '') +
    ' from the output tables of the last run (stage_funnel, conversion_paths, account_journeys, attribution_by_channel, accounts, persons, stage_events). ' +
    'Every number is read from those tables; none is estimated in the browser.';

  // ---------------------------------------------------------------- KPIs
  (function kpis() {
    var el = $('kpis');
    var sec = J.kpis;
    if (!sec.ready) {
      el.style.display = 'block';
      JMAP.section(el, sec);
      return;
    }
    var k = sec.ready;
    var won = JMAP.stageLabel(k.won_stage);
    var cards = [
      ['Accounts', fmt.int(k.accounts), 'in the CRM'],
      ['Known people', fmt.int(k.known_people), 'with an email or CRM contact'],
      ['Touchpoints', fmt.int(k.touchpoints), fmt.int(k.marketing_touches) + ' marketing touches'],
      [won + ' accounts', fmt.int(k.won_accounts), 'reached ' + won.toLowerCase()],
      [won + ' value', fmt.compact(k.won_value), 'sum of opportunity amounts'],
      ['Days to ' + won.toLowerCase(), k.won_journey ? fmt.int(k.won_journey.days) : '–', 'median, first touch to win'],
    ];
    el.innerHTML = cards
      .map(function (c, i) {
        return '<div class="kpi" data-kpi="' + i + '"><div class="label">' + esc(c[0]) + '</div><div class="value">' + esc(c[1]) + '</div><div class="hint">' + esc(c[2]) + '</div></div>';
      })
      .join('');
    var w = k.won_journey;
    if (w) {
      $('won-journey').innerHTML =
        'A typical ' + esc(won.toLowerCase()) + ' journey: <b>' + fmt.num(w.touches) + '</b> marketing touches' +
        '<span class="sep">&bull;</span><b>' + fmt.num(w.channels) + '</b> channels' +
        '<span class="sep">&bull;</span><b>' + fmt.num(w.people) + '</b> people' +
        '<span class="sep">&bull;</span><b>' + fmt.int(w.days) + '</b> days' +
        '<span class="muted">(medians over ' + fmt.int(w.accounts) + ' accounts)</span>';
    }
  })();

  // ---------------------------------------------------------------- funnel
  JMAP.section($('funnel'), J.funnel, function (steps) {
    JMAP.charts.funnel($('funnel'), steps);
    JMAP.bindTips($('funnel'));
  });

  // ---------------------------------------------------------------- paths
  var pathsState = { stage: null };
  function drawPaths() {
    JMAP.section($('sankey'), J.paths, function (all) {
      var flows = all.filter(function (f) { return f.stage === pathsState.stage; })[0] || all[all.length - 1];
      if (!flows) {
        $('sankey').innerHTML = '<div class="placeholder">No conversion types are configured.</div>';
        return;
      }
      JMAP.charts.sankey($('sankey'), flows);
      $('paths-stats').innerHTML = flows.conversions
        ? '<b>' + fmt.int(flows.conversions) + '</b> conversions to ' + esc(JMAP.stageLabel(flows.stage).toLowerCase()) +
          (flows.revenue ? ' worth <b>' + fmt.compact(flows.revenue) + '</b>' : '') +
          '; a converting path has a median of <b>' + fmt.num(flows.median_touches) + '</b> touches, <b>' +
          fmt.num(flows.median_steps) + '</b> once repeats in a row are counted once.'
        : '';
    });
  }
  if (J.paths.ready && J.paths.ready.length) {
    var stages = J.paths.ready.map(function (f) { return f.stage; });
    pathsState.stage = stages[stages.length - 1];
    JMAP.segmented($('paths-stage'), stages.map(function (s) { return [s, JMAP.stageLabel(s)]; }), pathsState.stage, function (v) {
      pathsState.stage = v;
      drawPaths();
    });
  }
  drawPaths();

  // ---------------------------------------------------------------- heat map
  var heat = { field: 3, share: false };
  function drawHeat() {
    JMAP.section($('heatmap'), J.heatmap, function (hm) {
      JMAP.charts.heatmap($('heatmap'), hm, heat.field, heat.share);
    });
  }
  if (J.heatmap.ready) {
    JMAP.segmented($('heatmap-mode'), [['3', 'Marketing touches'], ['2', 'All touches']], '3', function (v) {
      heat.field = +v;
      drawHeat();
    });
    JMAP.segmented($('heatmap-norm'), [['count', 'Count'], ['share', 'Share of stage']], 'count', function (v) {
      heat.share = v === 'share';
      drawHeat();
    });
  }
  drawHeat();

  // ---------------------------------------------------------------- attribution
  var attr = { stage: 0, metric: 'conversions', on: {} };
  function drawAttribution() {
    JMAP.section($('attribution'), J.attribution, function (a) {
      var col = attr.metric === 'conversions' ? 3 : 4;
      var rows = a.rows.filter(function (r) { return r[1] === attr.stage; });
      var channels = [];
      var sums = {};
      rows.forEach(function (r) {
        if (!(r[2] in sums)) {
          sums[r[2]] = 0;
          channels.push(r[2]);
        }
        sums[r[2]] += r[col];
      });
      channels.sort(function (x, y) { return sums[y] - sums[x] || (x < y ? -1 : 1); });
      var present = a.models.filter(function (m, i) { return rows.some(function (r) { return r[0] === i; }); });
      var value = function (mi, ch) {
        var r = rows.filter(function (r) { return r[0] === mi && r[2] === ch; })[0];
        return r ? r[col] : 0;
      };
      var series = present
        .filter(function (m) { return attr.on[m]; })
        .map(function (m) {
          var mi = a.models.indexOf(m);
          return { key: m, label: JMAP.modelLabel(m), color: JMAP.modelColor(m, mi), values: channels.map(function (ch) { return value(mi, ch); }) };
        });
      var format = attr.metric === 'conversions'
        ? function (v, kind) {
            return kind === 'axis' ? fmt.num(v) : kind === 'label' ? fmt.one(v) : fmt.one(v) + ' conversions';
          }
        : function (v, kind) { return kind === 'tip' ? fmt.int(v) : fmt.compact(v); };
      if (!channels.length) {
        $('attribution').innerHTML = '<div class="placeholder">No conversions of this type yet.</div>';
      } else if (!series.length) {
        $('attribution').innerHTML = '<div class="placeholder">Choose at least one model above.</div>';
      } else {
        JMAP.charts.groupedBars($('attribution'), channels, series, format);
      }
      // The table: every model, as `jmap show attribution` prints it.
      var spend = {};
      rows.forEach(function (r) { if (r[5] != null) spend[r[2]] = r[5]; });
      var hasSpend = Object.keys(spend).length > 0;
      var html = '<table class="data"><thead><tr><th>Channel</th>' +
        present.map(function (m) { return '<th class="num">' + esc(JMAP.modelLabel(m)) + '</th>'; }).join('') +
        (hasSpend ? '<th class="num">Spend</th>' : '') + '</tr></thead><tbody>';
      channels.forEach(function (ch) {
        html += '<tr><td><span class="dot" style="background:' + JMAP.channelColor(ch) + '"></span>' + esc(ch) + '</td>' +
          present.map(function (m) {
            var v = value(a.models.indexOf(m), ch);
            return '<td class="num">' + (attr.metric === 'conversions' ? fmt.one(v) : fmt.int(v)) + '</td>';
          }).join('') +
          (hasSpend ? '<td class="num">' + (spend[ch] != null ? fmt.int(spend[ch]) : '') + '</td>' : '') + '</tr>';
      });
      $('attr-table').innerHTML = html + '</tbody></table>';
    });
  }
  if (J.attribution.ready) {
    var a = J.attribution.ready;
    var defaults = ['first_touch', 'last_touch', 'linear', 'markov', 'shapley'];
    a.models.forEach(function (m) { attr.on[m] = defaults.indexOf(m) >= 0; });
    if (!a.models.some(function (m) { return attr.on[m]; })) a.models.slice(0, 4).forEach(function (m) { attr.on[m] = true; });
    attr.stage = Math.max(0, a.stages.length - 1);
    JMAP.segmented($('attr-stage'), a.stages.map(function (s, i) { return [String(i), JMAP.stageLabel(s)]; }), String(attr.stage), function (v) {
      attr.stage = +v;
      drawAttribution();
    });
    JMAP.segmented($('attr-metric'), [['conversions', 'Conversions'], ['revenue', 'Revenue']], 'conversions', function (v) {
      attr.metric = v;
      drawAttribution();
    });
    var chips = $('attr-models');
    chips.innerHTML = a.models
      .map(function (m, i) {
        return '<span class="chip' + (attr.on[m] ? '' : ' off') + '" data-m="' + esc(m) + '"><span class="sw" style="background:' + JMAP.modelColor(m, i) + '"></span>' + esc(JMAP.modelLabel(m)) + '</span>';
      })
      .join('');
    chips.onclick = function (ev) {
      var c = ev.target.closest('.chip');
      if (!c) return;
      var m = c.getAttribute('data-m');
      attr.on[m] = !attr.on[m];
      c.classList.toggle('off', !attr.on[m]);
      drawAttribution();
    };
  }
  drawAttribution();

  // ---------------------------------------------------------------- account
  var current = null;
  var byId = {};
  function stageName(i) {
    return i > 0 ? J.stages[i - 1] || 'stage ' + i : null;
  }
  function showAccount(pos) {
    var entry = accounts.index[pos];
    if (!entry) return;
    current = pos;
    var id = entry[0];
    if (history.replaceState) history.replaceState(null, '', '#account=' + encodeURIComponent(id));
    $('account-head').innerHTML = '<div class="account-head"><h3>' + esc(entry[1]) + '</h3><div class="facts muted">loading…</div></div>';
    JMAP.loadShard('accounts', entry[5]).then(function (shard) {
      if (current !== pos) return;
      var acc = shard[id];
      if (!acc) {
        $('timeline').innerHTML = '<div class="placeholder">No journey data for this account.</div>';
        return;
      }
      drawAccount(entry, acc);
    }, function (err) {
      JMAP.report(err.message);
    });
  }
  function drawAccount(entry, acc) {
    var stage = stageName(entry[3]);
    var facts = [acc.domain, acc.industry, acc.employees != null ? fmt.int(acc.employees) + ' employees' : null, acc.country]
      .filter(Boolean)
      .map(esc);
    var badges = '';
    if (acc.fit_tier) badges += '<span class="badge tier-' + esc(acc.fit_tier) + '">ICP tier ' + esc(acc.fit_tier) + (acc.fit_score != null ? ' · ' + fmt.int(acc.fit_score) : '') + '</span>';
    if (stage) badges += '<span class="badge ' + (entry[3] === J.stages.length ? 'won' : 'stage') + '">' + esc(JMAP.stageLabel(stage)) + '</span>';
    var peopleWithTouches = {};
    acc.touches.forEach(function (t) { if (t[3] >= 0) peopleWithTouches[t[3]] = 1; });
    $('account-head').innerHTML =
      '<div class="account-head"><h3>' + esc(acc.name) + '</h3><div class="facts">' + facts.join('<span class="sep">|</span>') + ' ' + badges + '</div></div>' +
      '<div class="stats-line" style="margin:0 0 10px"><b>' + fmt.int(acc.touches.length) + '</b> marketing touches (' + fmt.int(acc.touches_total) + ' in all) &middot; <b>' +
      fmt.int(Object.keys(peopleWithTouches).length) + '</b> of ' + fmt.int(acc.people.length) + ' known people active &middot; <b>' +
      fmt.int(acc.gaps.length) + '</b> stalls over ' + fmt.int(J.stall_days) + ' days</div>';
    var dict = { channels: accounts.channels, types: accounts.touch_types, stages: J.stages };
    JMAP.charts.timeline($('timeline'), acc, dict);
    var seen = {};
    acc.touches.forEach(function (t) { seen[t[1]] = (seen[t[1]] || 0) + 1; });
    $('timeline-legend').innerHTML = Object.keys(seen)
      .sort(function (a, b) { return seen[b] - seen[a]; })
      .map(function (c) {
        var name = accounts.channels[c];
        return '<span><i style="background:' + JMAP.channelColor(name) + '"></i>' + esc(name) + ' <span class="muted">' + fmt.int(seen[c]) + '</span></span>';
      })
      .join('') + '<span><i style="background:#fbe3e1;border-radius:2px"></i>stall</span>';
    current_acc = { entry: entry, acc: acc };
  }
  var current_acc = null;
  /** The account shown first: a won one with a typical number of touches
   * (the median among the won), else the first of the index. */
  function typical() {
    var final = J.stages.length;
    var won = [];
    accounts.index.forEach(function (e, i) { if (e[3] === final) won.push(i); });
    if (!won.length) return 0;
    var sorted = won.map(function (i) { return accounts.index[i][4]; }).sort(function (a, b) { return a - b; });
    var median = sorted[Math.floor(sorted.length / 2)];
    won.sort(function (a, b) { return Math.abs(accounts.index[a][4] - median) - Math.abs(accounts.index[b][4] - median) || a - b; });
    return won[0];
  }
  if (JMAP.section($('timeline'), J.accounts, function () {})) {
    accounts.index.forEach(function (e, i) { byId[e[0]] = i; });
    JMAP.suggest(
      $('account-search'),
      function (q) {
        var hits = [];
        for (var i = 0; i < accounts.index.length && hits.length < 200; i++) {
          var e = accounts.index[i];
          var name = e[1].toLowerCase();
          var at = name.indexOf(q);
          if (at >= 0 || e[2].toLowerCase().indexOf(q) >= 0 || e[0].toLowerCase().indexOf(q) >= 0) {
            hits.push({ rank: at === 0 ? 0 : 1, i: i, e: e });
          }
        }
        hits.sort(function (a, b) { return a.rank - b.rank || a.i - b.i; });
        return hits.slice(0, 10).map(function (h) {
          var st = stageName(h.e[3]);
          return { label: h.e[1], detail: [h.e[2], st ? JMAP.stageLabel(st) : '', fmt.int(h.e[4]) + ' touches'].filter(Boolean).join(' · '), value: h.i };
        });
      },
      showAccount
    );
    if (accounts.total > accounts.index.length) {
      $('account-search').placeholder = 'Search ' + fmt.int(accounts.index.length) + ' of ' + fmt.int(accounts.total) + ' accounts';
    }
    var wanted = /account=([^&]+)/.exec(initialHash);
    var start = wanted && byId[decodeURIComponent(wanted[1])] != null ? byId[decodeURIComponent(wanted[1])] : typical();
    if (accounts.index.length) showAccount(start);
    else $('timeline').innerHTML = '<div class="placeholder">No account has a touch yet.</div>';
  }

  // ---------------------------------------------------------------- stalled
  JMAP.section($('stalled'), J.accounts, function (a) {
    $('stalled-note').textContent =
      'Accounts not yet ' + JMAP.stageLabel(J.stages[J.stages.length - 1] || '').toLowerCase() +
      ' with a gap of more than ' + J.stall_days + ' days between touches (journey.stall_days), the longest first. ' +
      'Silences are counted up to ' + fmt.date(a.as_of) + ', the latest touch in the data. Click an account to see its journey.';
    if (!a.stalled.length) {
      $('stalled').innerHTML = '<div class="placeholder">No open account has stalled.</div>';
      return;
    }
    var longest = Math.max.apply(null, a.stalled.map(function (s) { return Math.max(s.longest_gap, s.silent); }));
    var html = '<table class="data"><thead><tr><th>Account</th><th>Stage reached</th><th>ICP tier</th><th class="num">Touches</th>' +
      '<th>Longest gap</th><th class="num">Silent for</th><th class="num">Stalls</th><th class="num">Last touch</th></tr></thead><tbody>';
    a.stalled.forEach(function (s) {
      var st = stageName(s.stage);
      var gap = Math.max(s.longest_gap, s.silent);
      html += '<tr><td><a href="#account=' + encodeURIComponent(s.account_id) + '" data-account="' + esc(s.account_id) + '">' + esc(s.name) + '</a> <span class="muted">' + esc(s.account_id) + '</span></td>' +
        '<td>' + (st ? '<span class="badge stage">' + esc(JMAP.stageLabel(st)) + '</span>' : '<span class="muted">none</span>') + '</td>' +
        '<td>' + (s.fit_tier ? '<span class="badge tier-' + esc(s.fit_tier) + '">' + esc(s.fit_tier) + '</span>' : '') + '</td>' +
        '<td class="num">' + fmt.int(s.touches) + '</td>' +
        '<td style="white-space:nowrap"><span class="inline-bar" style="width:' + Math.round((gap / longest) * 140) + 'px"></span>' + fmt.days(gap) + (s.silent >= s.longest_gap ? ' <span class="muted">(ongoing)</span>' : '') + '</td>' +
        '<td class="num">' + fmt.days(s.silent) + '</td>' +
        '<td class="num">' + fmt.int(s.stalls) + '</td>' +
        '<td class="num">' + fmt.date(s.last_touch) + '</td></tr>';
    });
    $('stalled').innerHTML = html + '</tbody></table>';
    $('stalled').onclick = function (ev) {
      var link = ev.target.closest('a[data-account]');
      if (!link) return;
      ev.preventDefault();
      var pos = byId[link.getAttribute('data-account')];
      if (pos != null) {
        showAccount(pos);
        $('account-card').scrollIntoView({ behavior: 'smooth', block: 'start' });
      }
    };
  });

  JMAP.onResize(function () {
    drawPaths();
    drawAttribution();
    if (current_acc) drawAccount(current_acc.entry, current_acc.acc);
  });
  // A link to a section (#attribution-card) lands on it now that it is drawn.
  var anchor = /^#([a-z-]+)$/.exec(initialHash);
  if (anchor && $(anchor[1])) $(anchor[1]).scrollIntoView();

  var perf = $('jmap-perf');
  if (perf) perf.setAttribute('data-render-ms', String(Math.round(performance.now() - started)));
})();
