/* jmap docs: helpers every page shares. Loaded first.
 *
 * No library and no network: the site opens from file:// and from
 * `jmap docs --serve`. Data arrives as scripts (data/*.js) that assign
 * globals, because browsers refuse fetch() from file:// pages. */
(function () {
  'use strict';

  var JMAP = (window.JMAP = window.JMAP || {});

  // ---- errors and network requests are recorded in the page itself, so a
  // headless browser's DOM dump shows them (the tests assert it is empty).
  var problems = [];
  function report(message) {
    problems.push(String(message));
    var el = document.getElementById('jmap-errors');
    if (el) el.textContent = problems.join('\n');
  }
  JMAP.report = report;
  window.addEventListener(
    'error',
    function (e) {
      var t = e.target;
      if (t && t !== window && (t.src || t.href)) {
        report('failed to load ' + (t.src || t.href));
      } else {
        report((e.message || 'error') + (e.filename ? ' (' + e.filename + ':' + e.lineno + ')' : ''));
      }
    },
    true
  );
  window.addEventListener('unhandledrejection', function (e) {
    report('unhandled rejection: ' + (e.reason && e.reason.message ? e.reason.message : e.reason));
  });
  var consoleError = console.error;
  console.error = function () {
    report(Array.prototype.map.call(arguments, String).join(' '));
    return consoleError.apply(console, arguments);
  };
  // Every resource must come from the site itself: anything else is a bug.
  var home = location.protocol + '//' + location.host;
  function checkResources() {
    if (!window.performance || !performance.getEntriesByType) return;
    performance.getEntriesByType('resource').forEach(function (r) {
      if (r.name.indexOf(home) !== 0 && r.name.indexOf('data:') !== 0) report('network request: ' + r.name);
    });
  }
  JMAP.checkResources = checkResources;
  window.addEventListener('load', function () {
    checkResources();
    var el = document.getElementById('jmap-errors');
    if (el) el.textContent = problems.join('\n');
  });

  // ---- shards: data files loaded on demand by adding a script tag.
  var shards = {};
  function shardEntry(key) {
    if (!shards[key]) {
      var entry = { data: null, promise: null, resolve: null, reject: null };
      entry.promise = new Promise(function (resolve, reject) {
        entry.resolve = resolve;
        entry.reject = reject;
      });
      shards[key] = entry;
    }
    return shards[key];
  }
  window.jmapShard = function (kind, k, data) {
    var entry = shardEntry(kind + '-' + k);
    entry.data = data;
    entry.resolve(data);
  };
  JMAP.loadShard = function (kind, k) {
    var key = kind + '-' + k;
    var entry = shardEntry(key);
    if (!entry.requested) {
      entry.requested = true;
      var s = document.createElement('script');
      s.src = 'data/' + key + '.js';
      s.onerror = function () {
        entry.reject(new Error('cannot load data/' + key + '.js'));
      };
      document.head.appendChild(s);
    }
    return entry.promise;
  };

  // ---- formatting
  var intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  var oneFmt = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  var fmt = (JMAP.fmt = {
    int: function (n) {
      return n == null || isNaN(n) ? '–' : intFmt.format(Math.round(n));
    },
    one: function (n) {
      return n == null || isNaN(n) ? '–' : oneFmt.format(n);
    },
    /** At most one decimal, none when whole: 32, 3.1. */
    num: function (n) {
      if (n == null || isNaN(n)) return '–';
      return Math.round(n * 10) % 10 === 0 ? intFmt.format(Math.round(n)) : oneFmt.format(n);
    },
    /** A fraction (0.387) as a percentage (38.7%). */
    pct: function (f) {
      return f == null || isNaN(f) ? '–' : oneFmt.format(f * 100) + '%';
    },
    days: function (d) {
      if (d == null || isNaN(d)) return '–';
      if (d < 1) return d < 1 / 24 ? '< 1 hour' : Math.round(d * 24) + ' hours';
      var r = d < 10 ? Math.round(d * 10) / 10 : Math.round(d);
      return intFmt.format(r) + (r === 1 ? ' day' : ' days');
    },
    /** Large values shortened: 1.2M, 350K. */
    compact: function (n) {
      if (n == null || isNaN(n)) return '–';
      var a = Math.abs(n);
      if (a >= 1e9) return oneFmt.format(n / 1e9) + 'B';
      if (a >= 1e6) return oneFmt.format(n / 1e6) + 'M';
      if (a >= 1e4) return intFmt.format(n / 1e3) + 'K';
      return intFmt.format(n);
    },
    /** Minutes since 1970 (UTC) as "12 Mar 2024". */
    date: function (minutes) {
      if (minutes == null) return '–';
      var d = new Date(minutes * 60000);
      return d.getUTCDate() + ' ' + MONTHS[d.getUTCMonth()] + ' ' + d.getUTCFullYear();
    },
    dateTime: function (minutes) {
      var d = new Date(minutes * 60000);
      var hh = ('0' + d.getUTCHours()).slice(-2);
      var mm = ('0' + d.getUTCMinutes()).slice(-2);
      return fmt.date(minutes) + ', ' + hh + ':' + mm;
    },
    month: function (ms) {
      var d = new Date(ms);
      return MONTHS[d.getUTCMonth()] + (d.getUTCMonth() === 0 ? ' ' + d.getUTCFullYear() : '');
    },
  });

  JMAP.esc = function (s) {
    return String(s == null ? '' : s)
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&#39;');
  };

  // ---- names and colours
  var ACRONYMS = { mql: 'MQL', sql: 'SQL', icp: 'ICP', crm: 'CRM' };
  JMAP.stageLabel = function (s) {
    if (!s) return '';
    if (ACRONYMS[s]) return ACRONYMS[s];
    if (s === 'pre_awareness') return 'Before awareness';
    var t = s.replace(/_/g, ' ');
    return t.charAt(0).toUpperCase() + t.slice(1);
  };
  JMAP.modelLabel = function (m) {
    var names = {
      first_touch: 'First touch',
      last_touch: 'Last touch',
      last_non_direct: 'Last non-direct',
      linear: 'Linear',
      position_based: 'Position-based',
      time_decay: 'Time decay',
      u_shaped: 'U-shaped',
      w_shaped: 'W-shaped',
      full_path: 'Full path',
      markov: 'Markov',
      shapley: 'Shapley',
    };
    return names[m] || JMAP.stageLabel(m);
  };

  // Fixed colours for the channels jmap's rules name, so a channel looks the
  // same on every chart and in every project; others take the next free one.
  var CHANNEL_COLORS = {
    Direct: '#8a94a6',
    'Organic Search': '#2f9e6f',
    'Paid Search': '#2f6fdf',
    'Paid Social': '#7c4ddb',
    'Organic Social': '#d263a8',
    Email: '#f0902c',
    Sales: '#d6453d',
    Events: '#17a2b8',
    Referral: '#9a6b3f',
    Display: '#e0b12f',
    'Paid Video': '#4b3f9e',
    'Organic Video': '#b07aa1',
    'Paid Shopping': '#0f766e',
    'Organic Shopping': '#65a30d',
    'Paid Other': '#64748b',
    'Cross-network': '#0e7490',
    Affiliates: '#a16207',
    Audio: '#be185d',
    SMS: '#059669',
    'Mobile Push Notifications': '#7c2d12',
    Unassigned: '#c0c6d0',
    Other: '#b3bac6',
    '(no touch)': '#d5dae2',
    '(none)': '#d5dae2',
  };
  var SPARE = ['#1d4ed8', '#b91c1c', '#047857', '#7e22ce', '#c2410c', '#0369a1', '#4d7c0f', '#a21caf', '#92400e', '#334155'];
  var spareUsed = 0;
  JMAP.channelColor = function (name) {
    if (!CHANNEL_COLORS[name]) CHANNEL_COLORS[name] = SPARE[spareUsed++ % SPARE.length];
    return CHANNEL_COLORS[name];
  };
  var MODEL_COLORS = {
    first_touch: '#2f6fdf',
    last_touch: '#d6453d',
    last_non_direct: '#f0902c',
    linear: '#2f9e6f',
    position_based: '#7c4ddb',
    time_decay: '#17a2b8',
    u_shaped: '#e0b12f',
    w_shaped: '#9a6b3f',
    full_path: '#d263a8',
    markov: '#101828',
    shapley: '#65a30d',
  };
  JMAP.modelColor = function (m, i) {
    return MODEL_COLORS[m] || SPARE[i % SPARE.length];
  };
  var STAGE_COLORS = ['#9dbbe9', '#6f9ae0', '#4a7fd6', '#2f6fdf', '#2451a8', '#1b3d7e', '#132c5c'];
  JMAP.stageColor = function (index) {
    return STAGE_COLORS[Math.max(0, Math.min(STAGE_COLORS.length - 1, index))];
  };

  // ---- a shared tooltip
  var tip = null;
  JMAP.tooltip = {
    show: function (html, ev) {
      if (!tip) {
        tip = document.createElement('div');
        tip.className = 'tooltip';
        document.body.appendChild(tip);
      }
      tip.innerHTML = html;
      tip.classList.add('on');
      JMAP.tooltip.move(ev);
    },
    move: function (ev) {
      if (!tip || !ev) return;
      var w = tip.offsetWidth;
      var h = tip.offsetHeight;
      var x = ev.clientX + 14;
      var y = ev.clientY + 14;
      if (x + w > window.innerWidth - 8) x = ev.clientX - w - 14;
      if (y + h > window.innerHeight - 8) y = ev.clientY - h - 14;
      tip.style.left = x + 'px';
      tip.style.top = y + 'px';
    },
    hide: function () {
      if (tip) tip.classList.remove('on');
    },
  };
  /** Show the `data-tip` of whatever the pointer is over inside `root`. */
  JMAP.bindTips = function (root) {
    root.addEventListener('mousemove', function (ev) {
      var t = ev.target.closest ? ev.target.closest('[data-tip]') : null;
      if (t && root.contains(t)) JMAP.tooltip.show(t.getAttribute('data-tip'), ev);
      else JMAP.tooltip.hide();
    });
    root.addEventListener('mouseleave', JMAP.tooltip.hide);
  };

  /** A section of data/journey.js: {ready: data} | {missing: [...]} | {failed: "..."}. */
  JMAP.section = function (el, section, render) {
    if (section && section.ready !== undefined) {
      try {
        render(section.ready);
      } catch (e) {
        report(e && e.stack ? e.stack : e);
        el.innerHTML = '<div class="placeholder">This chart could not be drawn.</div>';
      }
      return true;
    }
    var j = window.JMAP_JOURNEY || {};
    var msg;
    if (!j.package) {
      msg = 'This project does not build the journey package, so there is no journey map to draw.';
    } else if (!j.warehouse) {
      msg = 'No warehouse yet: <code>jmap run</code> builds the tables this chart shows, then <code>jmap docs</code> again.';
    } else if (section && section.missing) {
      msg =
        'Not built on this target yet: ' +
        section.missing.map(function (m) { return '<code>' + JMAP.esc(m) + '</code>'; }).join(', ') +
        '. Run <code>jmap run</code>, then <code>jmap docs</code> again.';
    } else {
      msg = 'Could not read the data: ' + JMAP.esc(section && section.failed);
    }
    el.innerHTML = '<div class="placeholder">' + msg + '</div>';
    return false;
  };

  /** Segmented control: options [[value, label]], calls onChange(value). */
  JMAP.segmented = function (el, options, value, onChange) {
    el.className = 'seg';
    el.innerHTML = options
      .map(function (o) {
        return '<button type="button" data-v="' + JMAP.esc(o[0]) + '"' + (o[0] === value ? ' class="on"' : '') + '>' + JMAP.esc(o[1]) + '</button>';
      })
      .join('');
    el.onclick = function (ev) {
      var b = ev.target.closest('button');
      if (!b) return;
      Array.prototype.forEach.call(el.children, function (c) {
        c.classList.toggle('on', c === b);
      });
      onChange(b.getAttribute('data-v'));
    };
  };

  /** A search box with suggestions. `find(query)` returns [{label, detail, value}]. */
  JMAP.suggest = function (input, find, choose) {
    var wrap = input.parentNode;
    var list = document.createElement('ul');
    list.hidden = true;
    wrap.appendChild(list);
    var items = [];
    var hi = -1;
    function render() {
      list.innerHTML = items
        .map(function (it, i) {
          return '<li data-i="' + i + '"' + (i === hi ? ' class="hi"' : '') + '><span>' + JMAP.esc(it.label) + '</span><span class="dim">' + JMAP.esc(it.detail || '') + '</span></li>';
        })
        .join('');
      list.hidden = items.length === 0;
    }
    input.addEventListener('input', function () {
      items = input.value.trim() ? find(input.value.trim().toLowerCase()) : [];
      hi = items.length ? 0 : -1;
      render();
    });
    input.addEventListener('keydown', function (ev) {
      if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        if (!items.length) return;
        hi = (hi + (ev.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
        render();
        ev.preventDefault();
      } else if (ev.key === 'Enter' && hi >= 0) {
        pick(items[hi]);
      } else if (ev.key === 'Escape') {
        items = [];
        render();
      }
    });
    list.addEventListener('mousedown', function (ev) {
      var li = ev.target.closest('li');
      if (li) pick(items[+li.getAttribute('data-i')]);
      ev.preventDefault();
    });
    input.addEventListener('blur', function () {
      items = [];
      render();
    });
    function pick(it) {
      items = [];
      render();
      input.value = '';
      input.blur();
      choose(it.value);
    }
  };

  /** Fill the top bar's project line. */
  JMAP.header = function () {
    var c = window.JMAP_META;
    var el = document.getElementById('project');
    if (c && el) el.textContent = c.project;
    var meta = document.getElementById('meta');
    if (c && meta) meta.textContent = 'target ' + c.target + ' (' + c.engine + ') · generated ' + c.generated_at;
  };

  /** Re-run `fn` when the window's width changes (charts fit their card). */
  JMAP.onResize = function (fn) {
    var timer = null;
    var width = window.innerWidth;
    window.addEventListener('resize', function () {
      if (window.innerWidth === width) return;
      width = window.innerWidth;
      clearTimeout(timer);
      timer = setTimeout(fn, 120);
    });
  };
})();
