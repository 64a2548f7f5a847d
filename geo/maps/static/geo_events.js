/* geo event engine: compact columnar events drawn on one canvas, one time control over
 * every layer (points, areas, choropleths), type/actor filters, URL-hash state, popups
 * built on click. Source text only ever reaches the page through textContent. */
(function () {
  'use strict';
  if (window.GeoEvents) { return; }

  var DAY_MS = 86400000;
  var STEPS = { day: 1, week: 7, month: 30, year: 365 };
  var MARKER_LIMIT = 5000;    // auto renderer: markers up to this many in view, then clusters
  var CELL = 60;              // cluster grid cell, screen pixels
  var RAMP = ['#ffffcc', '#ffeda0', '#fed976', '#feb24c', '#fd8d3c', '#fc4e2a', '#e31a1c', '#b10026'];
  var TYPED = { uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, float32: Float32Array };

  function isoDay(day) { return new Date(day * DAY_MS).toISOString().slice(0, 10); }
  function parseDay(text) {
    var t = Date.parse(String(text) + 'T00:00:00Z');
    return isNaN(t) ? null : Math.floor(t / DAY_MS);
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function b64Bytes(b64) {
    if (Uint8Array.fromBase64) { return Uint8Array.fromBase64(b64); }
    var bin = atob(b64), n = bin.length, out = new Uint8Array(n);
    for (var i = 0; i < n; i++) { out[i] = bin.charCodeAt(i); }
    return out;
  }
  function inflate(bytes) {
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
    return new Response(stream).arrayBuffer();
  }
  function rgba32(hex) {  // little-endian ABGR for ImageData writes
    var v = parseInt(hex.slice(1), 16);
    return ((255 << 24) | ((v & 255) << 16) | (v & 0xff00) | (v >> 16)) >>> 0;
  }
  function lowerBound(arr, n, value) {  // first i with arr[i] >= value
    var lo = 0, hi = n;
    while (lo < hi) { var mid = (lo + hi) >>> 1; if (arr[mid] < value) { lo = mid + 1; } else { hi = mid; } }
    return lo;
  }
  function rampColour(t) { return RAMP[Math.min(RAMP.length - 1, Math.floor(t * RAMP.length))]; }
  function safeUrl(text) { return /^https?:\/\//i.test(text) ? text : null; }

  function ringContains(ring, x, y) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) { inside = !inside; }
    }
    return inside;
  }
  function geometryContains(geom, lon, lat) {
    var polys = geom.type === 'Polygon' ? [geom.coordinates] : geom.type === 'MultiPolygon' ? geom.coordinates : [];
    for (var p = 0; p < polys.length; p++) {
      if (ringContains(polys[p][0], lon, lat)) {
        var hole = false;
        for (var h = 1; h < polys[p].length; h++) { if (ringContains(polys[p][h], lon, lat)) { hole = true; } }
        if (!hole) { return true; }
      }
    }
    return false;
  }

  /* ------------------------------------------------------------------ engine */
  function Engine(map, spec, b64) {
    this.map = map;
    this.spec = spec;
    this.n = spec.n;
    this.ready = false;
    this.types = spec.types;
    this.typeOn = new Uint8Array(this.types.length).fill(1);
    this.typeToggles = [];
    this.admin = {};          // level -> {geo, outline, choropleth, values, on}
    this.actor = '';
    this.metric = 'events';
    this.t0 = 0;
    this.t1 = Math.max(0, spec.nDays - 1);
    this.vlist = new Uint32Array(this.n);
    this.vcount = 0;
    this.alist = [];
    this.painted = null;
    this._syncing = false;
    this._frame = null;
    this._playing = null;
    this.container = map.getContainer();
    this.container.classList.add('geo-map');
    GeoEvents.instances.push(this);
    this._applyState(this._initialState());
    this._buildControls();
    var self = this;
    var started = performance.now();
    inflate(b64Bytes(b64)).then(function (buffer) {
      self._decode(buffer);
      self.decodeMs = performance.now() - started;
      self.ready = true;
      self._actorList();
      self._syncTypeToggles();
      self._histogram();
      self.update();
    }).catch(function (error) {
      self.container.setAttribute('data-geo-error', String(error));
      throw error;
    });
    window.addEventListener('hashchange', function () {
      var state = self._hashState();
      if (state) { self._applyState(state); self._syncTypeToggles(); self._syncInputs(); self._histogram(); self.update(); }
    });
  }

  Engine.prototype._decode = function (buffer) {
    var spec = this.spec, n = this.n, cols = {};
    var bytes = new Uint8Array(buffer);
    for (var c = 0; c < spec.columns.length; c++) {
      var col = spec.columns[c];
      if (col.type === 'utf8') {
        var text = new TextDecoder().decode(bytes.subarray(col.offset, col.offset + col.length));
        this.dict = JSON.parse(text);
      } else {
        cols[col.name] = new TYPED[col.type](buffer, col.offset, n);
      }
    }
    this.cols = cols;
    this.kindType = Uint16Array.from(this.dict.kindType);
    // Web Mercator world coordinates in [0, 1], computed once
    var mx = new Float64Array(n), my = new Float64Array(n), q = spec.coords;
    var fx = q.quantised ? q.spanLon / 65535 : 1, fy = q.quantised ? q.spanLat / 65535 : 1;
    var x0 = q.quantised ? q.lon0 : 0, y0 = q.quantised ? q.lat0 : 0;
    var xs = cols.x, ys = cols.y, rad = Math.PI / 180, maxLat = 85.0511287798;
    for (var i = 0; i < n; i++) {
      var lat = Math.max(-maxLat, Math.min(maxLat, y0 + ys[i] * fy));
      var s = Math.sin(lat * rad);
      mx[i] = 0.5 + (x0 + xs[i] * fx) / 360;
      my[i] = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
    }
    this.mx = mx; this.my = my;
    var areaIdx = [], maxDurPoints = 0, area = cols.area, dur = cols.dur;
    for (i = 0; i < n; i++) {
      if (area[i]) { areaIdx.push(i); } else if (dur[i] > maxDurPoints) { maxDurPoints = dur[i]; }
    }
    this.areaIdx = areaIdx;
    this.maxDurPoints = maxDurPoints;
    this.kindColour = this.dict.kinds.map(function (k, code) { return spec.colours[this.kindType[code]]; }, this);
    this.kindRgba = Uint32Array.from(this.kindColour.map(rgba32));
    this._actorMatch();
  };

  /* ------------------------------------------------------------------ state */
  Engine.prototype._initialState = function () {
    var initial = (this.spec.options && this.spec.options.initial) || {};
    var state = {};
    for (var key in initial) { state[key] = initial[key]; }
    var fromHash = this._hashState();
    if (fromHash) { for (key in fromHash) { state[key] = fromHash[key]; } }
    return state;
  };

  Engine.prototype._hashState = function () {
    var hash = (window.location.hash || '').replace(/^#/, '');
    if (hash.indexOf('from=') < 0 && hash.indexOf('type=') < 0 && hash.indexOf('actor=') < 0) { return null; }
    var params = new URLSearchParams(hash), state = {};
    if (params.get('from')) { state.from = params.get('from'); }
    if (params.get('to')) { state.to = params.get('to'); }
    if (params.has('type')) { state.types = params.getAll('type').filter(function (t) { return t; }); }
    if (params.has('actor')) { state.actor = params.get('actor'); }
    if (params.get('metric')) { state.metric = params.get('metric'); }
    return state;
  };

  Engine.prototype._applyState = function (state) {
    var base = this.spec.baseDay, last = Math.max(0, this.spec.nDays - 1);
    if (state.from) { var f = parseDay(state.from); if (f !== null) { this.t0 = Math.max(0, Math.min(last, f - base)); } }
    if (state.to) { var t = parseDay(state.to); if (t !== null) { this.t1 = Math.max(0, Math.min(last, t - base)); } }
    if (this.t0 > this.t1) { var swap = this.t0; this.t0 = this.t1; this.t1 = swap; }
    if (state.types) {
      for (var k = 0; k < this.types.length; k++) { this.typeOn[k] = state.types.indexOf(this.types[k]) >= 0 ? 1 : 0; }
    }
    if (state.actor !== undefined) { this.actor = String(state.actor); if (this.ready) { this._actorMatch(); } }
    if (state.metric === 'events' || state.metric === 'fatalities') { this.metric = state.metric; }
  };

  Engine.prototype.state = function () {
    var self = this;
    return {
      from: isoDay(this.spec.baseDay + this.t0),
      to: isoDay(this.spec.baseDay + this.t1),
      types: this.types.filter(function (t, k) { return self.typeOn[k]; }),
      actor: this.actor,
      metric: this.metric,
      visible: this.vcount + this.alist.length,
      renderer: this.rendererUsed || null
    };
  };

  /* The hash follows the state, written at most every 300 ms (browsers throttle history
   * updates, and a slider drag or play would flood them). */
  Engine.prototype._scheduleHash = function () {
    var self = this;
    if (this._hashTimer) { return; }
    this._hashTimer = setTimeout(function () { self._hashTimer = null; self._writeHash(); }, 300);
  };

  Engine.prototype._writeHash = function () {
    var s = this.state(), params = new URLSearchParams();
    params.set('from', s.from); params.set('to', s.to);
    if (s.types.length !== this.types.length) {
      if (!s.types.length) { params.append('type', ''); }
      s.types.forEach(function (t) { params.append('type', t); });
    }
    if (s.actor) { params.set('actor', s.actor); }
    if (s.metric !== 'events') { params.set('metric', s.metric); }
    try { history.replaceState(null, '', '#' + params.toString()); } catch (e) { /* srcdoc frames */ }
  };

  Engine.prototype._actorMatch = function () {
    var actors = this.dict.actors, needle = this.actor.trim().toLowerCase();
    this.actorOk = null;
    if (!needle) { return; }
    var ok = new Uint8Array(actors.length);
    for (var i = 0; i < actors.length; i++) { ok[i] = actors[i].toLowerCase().indexOf(needle) >= 0 ? 1 : 0; }
    this.actorOk = ok;
  };

  /* public setters (also used by the tests and the page's own controls) */
  Engine.prototype.setRange = function (from, to) {
    this._applyState({ from: from, to: to }); this._syncInputs(); this.update();
  };
  Engine.prototype.setTypes = function (names) {
    this._applyState({ types: names }); this._syncTypeToggles(); this._histogram(); this.update();
  };
  Engine.prototype.toggleType = function (code) {
    this.typeOn[code] = this.typeOn[code] ? 0 : 1;
    this._syncTypeToggles(); this._histogram(); this.update();
  };
  Engine.prototype.setActor = function (text) {
    this._applyState({ actor: text }); this._syncInputs(); this._histogram(); this.update();
  };
  Engine.prototype.setMetric = function (metric) {
    this._applyState({ metric: metric }); this._syncInputs(); this.update();
  };

  /* ------------------------------------------------------------------ filtering */
  Engine.prototype._filter = function () {
    var c = this.cols, d0 = c.d0, dur = c.dur, kind = c.kind, area = c.area, a1 = c.a1, a2 = c.a2;
    var t0 = this.t0, t1 = this.t1, typeOn = this.typeOn, kt = this.kindType, ok = this.actorOk;
    var hi = lowerBound(d0, this.n, t1 + 1), lo = lowerBound(d0, hi, t0 - this.maxDurPoints);
    var vlist = this.vlist, vc = 0, i;
    for (i = lo; i < hi; i++) {
      if (area[i] || d0[i] + dur[i] < t0 || !typeOn[kt[kind[i]]]) { continue; }
      if (ok && !ok[a1[i]] && !ok[a2[i]]) { continue; }
      vlist[vc++] = i;
    }
    this.vcount = vc;
    var alist = [];
    for (var k = 0; k < this.areaIdx.length; k++) {
      i = this.areaIdx[k];
      if (d0[i] > t1 || d0[i] + dur[i] < t0 || !typeOn[kt[kind[i]]]) { continue; }
      if (ok && !ok[a1[i]] && !ok[a2[i]]) { continue; }
      alist.push(i);
    }
    this.alist = alist;
  };

  Engine.prototype.update = function () {
    if (!this.ready) { return; }
    var started = performance.now();
    this._filter();
    this._choropleths();
    this.draw();
    this._paintHistogram();
    this._updateLegend();
    this._updateLabels();
    this.lastUpdateMs = performance.now() - started;
    this.container.setAttribute('data-geo-visible', String(this.vcount + this.alist.length));
    this._scheduleHash();
  };

  Engine.prototype.scheduleUpdate = function () {
    var self = this;
    if (this._frame) { return; }
    this._frame = requestAnimationFrame(function () { self._frame = null; self.update(); });
  };

  /* Bytes held in typed arrays (outside the JS heap figure browsers report). */
  Engine.prototype.arrayBytes = function () {
    var total = 0, seen = [];
    var arrays = [this.mx, this.my, this.vlist, this.kindType, this._pixels];
    for (var name in this.cols) { arrays.push(this.cols[name]); }
    arrays.forEach(function (a) {
      if (a && seen.indexOf(a.buffer) < 0) { seen.push(a.buffer); total += a.buffer.byteLength; }
    });
    return total;
  };

  Engine.prototype.visibleIds = function () {
    var ids = this.dict && this.dict.ids, out = [], i;
    var all = Array.prototype.slice.call(this.vlist.subarray(0, this.vcount)).concat(this.alist);
    all.sort(function (a, b) { return a - b; });
    for (var k = 0; k < all.length; k++) { i = all[k]; out.push(ids ? ids[i] : i); }
    return out;
  };

  /* ------------------------------------------------------------------ drawing */
  Engine.prototype._canvasLayer = function () {
    var engine = this;
    var Layer = L.Layer.extend({
      onAdd: function (map) {
        var pane = map.getPane('geoEvents') || map.createPane('geoEvents');
        pane.style.zIndex = 450;
        pane.style.pointerEvents = 'none';
        this.canvas = L.DomUtil.create('canvas', 'geo-events-canvas leaflet-zoom-hide', pane);
        map.on('moveend zoomend resize viewreset', this.reset, this);
        this.reset();
      },
      onRemove: function (map) {
        map.off('moveend zoomend resize viewreset', this.reset, this);
        L.DomUtil.remove(this.canvas);
      },
      reset: function () {
        var size = engine.map.getSize();
        if (this.canvas.width !== size.x || this.canvas.height !== size.y) {
          this.canvas.width = size.x; this.canvas.height = size.y;
          this.canvas.style.width = size.x + 'px'; this.canvas.style.height = size.y + 'px';
        }
        L.DomUtil.setPosition(this.canvas, engine.map.containerPointToLayerPoint([0, 0]));
        engine.draw();
      }
    });
    this.canvasLayer = new Layer();
    this.canvasLayer.addTo(this.map);
  };

  Engine.prototype._projection = function () {
    var map = this.map, scale = 256 * Math.pow(2, map.getZoom());
    var origin = map.getPixelOrigin(), tl = map.containerPointToLayerPoint([0, 0]);
    return { scale: scale, ox: origin.x + tl.x, oy: origin.y + tl.y };
  };

  Engine.prototype.draw = function () {
    if (!this.ready || !this.canvasLayer || !this.canvasLayer.canvas) { return; }
    var started = performance.now();
    this._drawId = (this._drawId || 0) + 1;  // invalidates the hover/click index
    var canvas = this.canvasLayer.canvas, ctx = canvas.getContext('2d');
    var w = canvas.width, h = canvas.height, p = this._projection();
    ctx.clearRect(0, 0, w, h);
    this._drawAreas(ctx, p);
    var renderer = this.spec.options.renderer;
    if (renderer === 'auto') { renderer = this._countInView(p, w, h) <= MARKER_LIMIT ? 'markers' : 'clusters'; }
    this.rendererUsed = renderer;
    this.clusters = null;
    if (renderer === 'markers') { this._drawMarkers(ctx, p, w, h); }
    else if (renderer === 'clusters') { this._drawClusters(ctx, p, w, h); }
    else { this._drawDots(ctx, p, w, h); }
    this.lastDrawMs = performance.now() - started;
    this.container.setAttribute('data-geo-renderer', renderer);
    if (this.painted === null) {
      this.painted = performance.now();
      this.container.setAttribute('data-geo-painted-ms', this.painted.toFixed(1));
      this.container.setAttribute('data-geo-ready', '1');
    }
  };

  Engine.prototype._drawAreas = function (ctx, p) {
    var areas = this.dict.areas, seen = {}, kind = this.cols.kind, area = this.cols.area;
    for (var k = 0; k < this.alist.length; k++) {
      var i = this.alist[k], g = area[i] - 1;
      if (seen[g]) { continue; }
      seen[g] = true;
      var geom = areas[g], colour = this.kindColour[kind[i]];
      var polys = geom.type === 'Polygon' ? [geom.coordinates] : geom.type === 'MultiPolygon' ? geom.coordinates : [];
      ctx.beginPath();
      for (var a = 0; a < polys.length; a++) {
        for (var r = 0; r < polys[a].length; r++) {
          var ring = polys[a][r];
          for (var v = 0; v < ring.length; v++) {
            var lat = Math.max(-85, Math.min(85, ring[v][1])), s = Math.sin(lat * Math.PI / 180);
            var x = (0.5 + ring[v][0] / 360) * p.scale - p.ox;
            var y = (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * p.scale - p.oy;
            if (v === 0) { ctx.moveTo(x, y); } else { ctx.lineTo(x, y); }
          }
          ctx.closePath();
        }
      }
      ctx.globalAlpha = 0.22; ctx.fillStyle = colour; ctx.fill('evenodd');
      ctx.globalAlpha = 0.9; ctx.strokeStyle = colour; ctx.lineWidth = 1.5;
      ctx.setLineDash([6, 4]); ctx.stroke(); ctx.setLineDash([]);
      ctx.globalAlpha = 1;
    }
  };

  /* A marker sprite per type colour: drawImage of a ready bitmap per event is far cheaper
   * than stroking thousands of arcs. */
  Engine.prototype._sprites = function () {
    if (this._spriteCache) { return this._spriteCache; }
    var ratio = window.devicePixelRatio || 1, size = Math.ceil(16 * ratio);
    this._spriteCache = this.spec.colours.map(function (colour) {
      var c = document.createElement('canvas'); c.width = c.height = size;
      var g = c.getContext('2d');
      g.scale(ratio, ratio);
      g.beginPath(); g.arc(8, 8, 6, 0, 2 * Math.PI);
      g.fillStyle = colour; g.fill();
      g.lineWidth = 1.3; g.strokeStyle = '#ffffff'; g.stroke();
      return c;
    });
    return this._spriteCache;
  };

  Engine.prototype._drawMarkers = function (ctx, p, w, h) {
    var mx = this.mx, my = this.my, kind = this.cols.kind, kt = this.kindType, vlist = this.vlist;
    var sprites = this._sprites();
    for (var k = 0; k < this.vcount; k++) {
      var i = vlist[k], x = mx[i] * p.scale - p.ox, y = my[i] * p.scale - p.oy;
      if (x < -8 || y < -8 || x > w + 8 || y > h + 8) { continue; }
      ctx.drawImage(sprites[kt[kind[i]]], Math.round(x) - 8, Math.round(y) - 8, 16, 16);
    }
  };

  Engine.prototype._countInView = function (p, w, h) {
    var mx = this.mx, my = this.my, vlist = this.vlist, n = 0;
    var x0 = (p.ox - 8) / p.scale, x1 = (p.ox + w + 8) / p.scale, y0 = (p.oy - 8) / p.scale, y1 = (p.oy + h + 8) / p.scale;
    for (var k = 0; k < this.vcount; k++) {
      var i = vlist[k], x = mx[i], y = my[i];
      if (x >= x0 && x <= x1 && y >= y0 && y <= y1) { n++; }
    }
    return n;
  };

  /* Grid clusters: visible points binned into screen cells fixed to the world grid (so
   * they stay put while panning), recomputed for the current filters at every redraw. */
  Engine.prototype._drawClusters = function (ctx, p, w, h) {
    var mx = this.mx, my = this.my, kind = this.cols.kind, kt = this.kindType, vlist = this.vlist;
    var nTypes = this.types.length, gx0 = Math.floor(p.ox / CELL), gy0 = Math.floor(p.oy / CELL);
    var cols = Math.ceil(w / CELL) + 2, rows = Math.ceil(h / CELL) + 2, cells = cols * rows;
    var counts = new Uint32Array(cells), sx = new Float64Array(cells), sy = new Float64Array(cells);
    var byType = new Uint32Array(cells * nTypes);
    for (var k = 0; k < this.vcount; k++) {
      var i = vlist[k], wx = mx[i] * p.scale, wy = my[i] * p.scale;
      var cx = Math.floor(wx / CELL) - gx0, cy = Math.floor(wy / CELL) - gy0;
      if (cx < 0 || cy < 0 || cx >= cols || cy >= rows) { continue; }
      var c = cy * cols + cx;
      counts[c]++; sx[c] += wx - p.ox; sy[c] += wy - p.oy;
      byType[c * nTypes + kt[kind[i]]]++;
    }
    var clusters = [], colours = this.spec.colours;
    ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
    for (c = 0; c < cells; c++) {
      if (!counts[c]) { continue; }
      var x = sx[c] / counts[c], y = sy[c] / counts[c], top = 0;
      for (var t = 1; t < nTypes; t++) { if (byType[c * nTypes + t] > byType[c * nTypes + top]) { top = t; } }
      var r = counts[c] === 1 ? 6 : Math.min(26, 9 + 4.5 * Math.log10(counts[c]));
      ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.globalAlpha = 0.85; ctx.fillStyle = colours[top]; ctx.fill();
      ctx.globalAlpha = 1; ctx.lineWidth = 1.5; ctx.strokeStyle = '#ffffff'; ctx.stroke();
      if (counts[c] > 1) {
        ctx.fillStyle = '#ffffff'; ctx.font = '600 11px system-ui, sans-serif';
        var label = counts[c] >= 10000 ? Math.round(counts[c] / 1000) + 'k' : counts[c] >= 1000 ? (counts[c] / 1000).toFixed(1) + 'k' : String(counts[c]);
        ctx.fillText(label, x, y);
      }
      clusters.push({ x: x, y: y, r: r, count: counts[c], cx: c % cols + gx0, cy: Math.floor(c / cols) + gy0 });
    }
    this.clusters = clusters;
  };

  /* Visible events in one cluster cell (for its popup). */
  Engine.prototype._clusterMembers = function (cluster) {
    var p = this._projection(), out = [];
    for (var k = 0; k < this.vcount; k++) {
      var i = this.vlist[k];
      if (Math.floor(this.mx[i] * p.scale / CELL) === cluster.cx && Math.floor(this.my[i] * p.scale / CELL) === cluster.cy) { out.push(i); }
    }
    return out;
  };

  Engine.prototype._drawDots = function (ctx, p, w, h) {
    if (!this._dots || this._dots.width !== w || this._dots.height !== h) {
      this._dots = document.createElement('canvas');
      this._dots.width = w; this._dots.height = h;
      this._dotsCtx = this._dots.getContext('2d');
      this._image = this._dotsCtx.createImageData(w, h);
      this._pixels = new Uint32Array(this._image.data.buffer);
    }
    var px = this._pixels, mx = this.mx, my = this.my, kind = this.cols.kind, rgba = this.kindRgba;
    var vlist = this.vlist, scale = p.scale, ox = p.ox, oy = p.oy, wMax = w - 1, hMax = h - 1;
    px.fill(0);
    for (var k = 0; k < this.vcount; k++) {
      var i = vlist[k], x = (mx[i] * scale - ox) | 0, y = (my[i] * scale - oy) | 0;
      if (x < 0 || y < 0 || x >= wMax || y >= hMax) { continue; }
      var c = rgba[kind[i]], o = y * w + x;
      px[o] = c; px[o + 1] = c; px[o + w] = c; px[o + w + 1] = c;
    }
    this._dotsCtx.putImageData(this._image, 0, 0);
    ctx.drawImage(this._dots, 0, 0);
  };

  /* ------------------------------------------------------------------ click + popups */
  Engine.prototype._onClick = function (e) {
    if (!this.ready) { return; }
    var p = this._projection(), cx = e.containerPoint.x, cy = e.containerPoint.y;
    if (this.clusters) {
      for (var c = 0; c < this.clusters.length; c++) {
        var cl = this.clusters[c], ddx = cl.x - cx, ddy = cl.y - cy;
        if (ddx * ddx + ddy * ddy > cl.r * cl.r) { continue; }
        if (cl.count > 25 && this.map.getZoom() < this.map.getMaxZoom()) {
          this.map.setView(this.map.containerPointToLatLng([cl.x, cl.y]), Math.min(this.map.getMaxZoom(), this.map.getZoom() + 2));
          return;
        }
        L.popup({ maxWidth: 380, maxHeight: 360, className: 'geo-popup-wrap' })
          .setLatLng(this.map.containerPointToLatLng([cl.x, cl.y])).setContent(this.popup(this._clusterMembers(cl))).openOn(this.map);
        return;
      }
    }
    var hits = this.eventsAt(cx, cy), k, i;
    if (!hits.length) {
      for (k = 0; k < this.alist.length; k++) {
        i = this.alist[k];
        if (geometryContains(this.dict.areas[this.cols.area[i] - 1], e.latlng.lng, e.latlng.lat)) { hits.push(i); }
      }
    }
    if (!hits.length) { return; }
    L.popup({ maxWidth: 380, maxHeight: 360, className: 'geo-popup-wrap' })
      .setLatLng(e.latlng).setContent(this.popup(hits)).openOn(this.map);
  };

  /* A grid over the screen positions of the drawn points, built on the first hover or
   * click after a redraw: a query looks at a few cells instead of every event. */
  Engine.prototype._screenIndex = function () {
    if (this._index && this._index.drawId === this._drawId) { return this._index; }
    var p = this._projection(), size = this.map.getSize(), cell = 16;
    var cols = Math.ceil(size.x / cell) + 3, rows = Math.ceil(size.y / cell) + 3, cells = cols * rows;
    var n = this.vcount, cellOf = new Int32Array(n), xs = new Float32Array(n), ys = new Float32Array(n);
    var start = new Uint32Array(cells + 1), k, c;
    for (k = 0; k < n; k++) {
      var i = this.vlist[k], x = this.mx[i] * p.scale - p.ox, y = this.my[i] * p.scale - p.oy;
      var cx = Math.floor(x / cell) + 1, cy = Math.floor(y / cell) + 1;
      xs[k] = x; ys[k] = y;
      cellOf[k] = cx < 0 || cy < 0 || cx >= cols || cy >= rows ? -1 : cy * cols + cx;
      if (cellOf[k] >= 0) { start[cellOf[k] + 1]++; }
    }
    for (c = 0; c < cells; c++) { start[c + 1] += start[c]; }
    var fill = start.slice(0, cells), items = new Uint32Array(start[cells]);
    for (k = 0; k < n; k++) { if (cellOf[k] >= 0) { items[fill[cellOf[k]]++] = k; } }
    this._index = { drawId: this._drawId, cell: cell, cols: cols, rows: rows, start: start, items: items, xs: xs, ys: ys };
    return this._index;
  };

  /* Drawn point events under a screen position, nearest first. */
  Engine.prototype.eventsAt = function (x, y) {
    if (!this.ready) { return []; }
    var index = this._screenIndex(), radius = this.rendererUsed === 'markers' ? 7 : 4;
    var found = [], cell = index.cell;
    var c0 = Math.floor((x - radius) / cell) + 1, c1 = Math.floor((x + radius) / cell) + 1;
    var r0 = Math.floor((y - radius) / cell) + 1, r1 = Math.floor((y + radius) / cell) + 1;
    for (var r = Math.max(0, r0); r <= Math.min(index.rows - 1, r1); r++) {
      for (var c = Math.max(0, c0); c <= Math.min(index.cols - 1, c1); c++) {
        var id = r * index.cols + c;
        for (var j = index.start[id]; j < index.start[id + 1]; j++) {
          var k = index.items[j], dx = index.xs[k] - x, dy = index.ys[k] - y, d2 = dx * dx + dy * dy;
          if (d2 <= radius * radius) { found.push([d2, this.vlist[k]]); }
        }
      }
    }
    found.sort(function (a, b) { return a[0] - b[0]; });
    return found.map(function (f) { return f[1]; });
  };

  Engine.prototype._clusterAt = function (x, y) {
    if (!this.clusters) { return null; }
    for (var c = 0; c < this.clusters.length; c++) {
      var cl = this.clusters[c], dx = cl.x - x, dy = cl.y - y;
      if (dx * dx + dy * dy <= cl.r * cl.r) { return cl; }
    }
    return null;
  };

  /* Hover: a pointer cursor and a one-line tooltip over events and clusters. */
  Engine.prototype._onHover = function (e) {
    var self = this;
    this._hoverEvent = e;
    if (this._hoverFrame) { return; }
    this._hoverFrame = requestAnimationFrame(function () {
      self._hoverFrame = null;
      var ev = self._hoverEvent, x = ev.containerPoint.x, y = ev.containerPoint.y, text = null;
      if (self.ready && !(ev.originalEvent && ev.originalEvent.buttons)) {
        var cluster = self._clusterAt(x, y);
        if (cluster) {
          text = cluster.count + (cluster.count === 1 ? ' event' : ' events') + (cluster.count > 25 ? ' · click to zoom in' : ' · click to list');
        } else if (!self.clusters) {
          var hits = self.eventsAt(x, y);
          if (hits.length) { text = self._summary(hits[0]) + (hits.length > 1 ? ' (+' + (hits.length - 1) + ' more)' : ''); }
        }
      }
      self.container.style.cursor = text ? 'pointer' : '';
      if (!text) { if (self._tip) { self.map.closeTooltip(self._tip); } return; }
      if (!self._tip) { self._tip = L.tooltip({ direction: 'top', offset: [0, -8], className: 'geo-hover' }); }
      self._tip.setLatLng(ev.latlng).setContent(el('span', null, text));
      self.map.openTooltip(self._tip);
    });
  };

  Engine.prototype._summary = function (i) {
    var c = this.cols, d = this.dict, base = this.spec.baseDay;
    var kind = d.kinds[c.kind[i]], place = d.places[c.place[i]];
    var start = isoDay(base + c.d0[i]), end = isoDay(base + c.d0[i] + c.dur[i]);
    return (kind[0] || '(no type)') + ' · ' + (start === end ? start : start + ' – ' + end) + (place[0] ? ' · ' + place[0] : '');
  };

  Engine.prototype.popup = function (indices) {
    var root = el('div', 'geo-popup'), limit = 25;
    if (indices.length > 1) { root.appendChild(el('div', 'geo-popup-count', indices.length + ' events here')); }
    for (var k = 0; k < Math.min(limit, indices.length); k++) { root.appendChild(this._eventCard(indices[k])); }
    if (indices.length > limit) { root.appendChild(el('div', 'geo-popup-more', '… and ' + (indices.length - limit) + ' more (zoom in or narrow the dates)')); }
    return root;
  };

  Engine.prototype._eventCard = function (i) {
    var c = this.cols, d = this.dict, base = this.spec.baseDay;
    var kind = d.kinds[c.kind[i]], when = d.whens[c.when[i]], place = d.places[c.place[i]];
    var unit = d.units[c.unit[i]], source = d.sources[c.src[i]];
    var card = el('div', 'geo-event');
    card.appendChild(el('div', 'geo-event-title', kind[0] + (kind[1] ? ' — ' + kind[1] : '')));
    var table = el('table');
    function row(label, value) {
      if (value === null || value === undefined || value === '') { return; }
      var tr = el('tr'); tr.appendChild(el('th', null, label));
      var td = el('td'); if (value instanceof Node) { td.appendChild(value); } else { td.textContent = String(value); }
      tr.appendChild(td); table.appendChild(tr);
    }
    var start = isoDay(base + c.d0[i]), end = isoDay(base + c.d0[i] + c.dur[i]);
    row('Date', (start === end ? start : start + ' – ' + end) + (when[1] ? ' (' + when[1] + ')' : ''));
    row('Time', when[0]);
    row('Place', place[0] + (place[1] && place[1] !== place[0] ? ' → matched ' + place[1] : ''));
    var admin = [];
    for (var lvl = 2; lvl >= 0; lvl--) {
      var name = unit[lvl * 3 + 1], ar = unit[lvl * 3 + 2], code = unit[lvl * 3];
      if (name || code) { admin.push((name || '') + (ar ? ' / ' + ar : '') + (code ? ' (' + code + ')' : '')); }
    }
    row('Admin', admin.join(', '));
    row('Precision', place[2]);
    var actors = [d.actors[c.a1[i]], d.actors[c.a2[i]]].filter(function (a) { return a; });
    row('Actors', actors.join(' · '));
    row('Fatalities', c.fat[i] === this.spec.fatNA ? 'unknown' : c.fat[i]);
    if (source[0] || source[1]) {
      var box = el('span');
      if (source[0]) { box.appendChild(el('span', null, source[0])); }
      (source[1] || '').split(/[\s;|]+/).forEach(function (u) {
        if (!u) { return; }
        var href = safeUrl(u);
        if (box.childNodes.length) { box.appendChild(document.createTextNode(' ')); }
        if (href) {
          var a = el('a', null, u); a.href = href; a.target = '_blank'; a.rel = 'noopener noreferrer';
          box.appendChild(a);
        } else { box.appendChild(el('span', null, u)); }
      });
      row('Source', box);
    }
    row('Notes', d.notes[c.note[i]]);
    row('Event', d.ids ? d.ids[i] : null);
    card.appendChild(table);
    return card;
  };

  /* ------------------------------------------------------------------ type toggles */
  Engine.prototype.typeLayer = function (code) {
    var engine = this;
    var Toggle = L.Layer.extend({
      onAdd: function () { if (!engine._syncing && engine.ready) { engine.typeOn[code] = 1; engine._histogram(); engine.scheduleUpdate(); } },
      onRemove: function () { if (!engine._syncing && engine.ready) { engine.typeOn[code] = 0; engine._histogram(); engine.scheduleUpdate(); } }
    });
    var layer = new Toggle();
    this.typeToggles[code] = layer;
    return layer;
  };

  Engine.prototype._syncTypeToggles = function () {
    this._syncing = true;
    for (var k = 0; k < this.typeToggles.length; k++) {
      var layer = this.typeToggles[k];
      if (!layer) { continue; }
      var on = this.map.hasLayer(layer);
      if (this.typeOn[k] && !on) { this.map.addLayer(layer); }
      if (!this.typeOn[k] && on) { this.map.removeLayer(layer); }
    }
    this._syncing = false;
  };

  /* ------------------------------------------------------------------ admin layers */
  Engine.prototype._adminGeo = function (level) {
    var key = String(level);
    if (!this.admin[key]) { this.admin[key] = { geo: this.spec.admin[key], on: false, values: null }; }
    return this.admin[key];
  };

  Engine.prototype.adminLayer = function (level, kind) {
    var engine = this, entry = this._adminGeo(level);
    if (kind === 'outline') {
      var weight = { 1: 1.6, 2: 1.0, 3: 0.6 }[level] || 0.6;
      entry.outline = L.geoJSON(entry.geo, {
        interactive: false,
        // level 1 doubles as the land of the tile-less basemap
        style: function () {
          return { color: '#4d4d4d', weight: weight, opacity: 0.8, fill: level === 1, fillColor: '#ffffff', fillOpacity: 0.9 };
        }
      });
      return entry.outline;
    }
    var layer = L.geoJSON(entry.geo, {
      style: function () { return { color: '#7a7a7a', weight: 0.5, fillOpacity: 0.65, fillColor: '#ffffff' }; },
      onEachFeature: function (feature, sub) {
        sub.bindTooltip(function () {
          var props = feature.properties, box = el('div', 'geo-tooltip');
          box.appendChild(el('b', null, props.name + (props.name_ar ? ' / ' + props.name_ar : '')));
          var value = entry.values ? entry.values[feature.id] : 0;
          box.appendChild(el('div', null, value + ' ' + (engine.metric === 'fatalities' ? 'fatalities' : 'events') +
            ' (' + props.pcode + ')'));
          return box;
        }, { sticky: true });
      }
    });
    layer.on('add', function () { entry.on = true; engine.scheduleUpdate(); });
    layer.on('remove', function () { entry.on = false; engine.scheduleUpdate(); });
    entry.choropleth = layer;
    return layer;
  };

  Engine.prototype._choropleths = function () {
    for (var key in this.admin) {
      var entry = this.admin[key];
      if (!entry.choropleth || !entry.on) { continue; }
      entry.values = this.choroplethValues(Number(key), true);
      var max = 0, values = entry.values;
      for (var f = 0; f < values.length; f++) { if (values[f] > max) { max = values[f]; } }
      entry.max = max;
      entry.choropleth.eachLayer(function (sub) {
        var v = values[sub.feature.id];
        sub.setStyle(v > 0 ? { fillColor: rampColour(Math.sqrt(v / max)), fillOpacity: 0.7 }
          : { fillColor: '#ffffff', fillOpacity: 0.25 });
      });
    }
  };

  /* Events (or fatalities) per feature of an admin level, for the current filters. */
  Engine.prototype.choroplethValues = function (level, asArray) {
    var entry = this._adminGeo(level), nf = entry.geo ? entry.geo.features.length : 0;
    var values = new Float64Array(nf), map = this.dict.unitFeature[String(level)] || [];
    var unit = this.cols.unit, fat = this.cols.fat, na = this.spec.fatNA, byFat = this.metric === 'fatalities';
    var add = function (i) {
      var f = map[unit[i]];
      if (f >= 0) { values[f] += byFat ? (fat[i] === na ? 0 : fat[i]) : 1; }
    };
    for (var k = 0; k < this.vcount; k++) { add(this.vlist[k]); }
    for (k = 0; k < this.alist.length; k++) { add(this.alist[k]); }
    if (asArray) { return values; }
    var out = {};
    for (var f = 0; f < nf; f++) { if (values[f]) { out[entry.geo.features[f].properties.pcode] = values[f]; } }
    return out;
  };

  /* ------------------------------------------------------------------ controls */
  Engine.prototype._buildControls = function () {
    var engine = this, map = this.map, opts = this.spec.options || {};
    this._canvasLayer();
    map.on('click', this._onClick, this);
    map.on('mousemove', this._onHover, this);
    map.on('mouseout movestart zoomstart', function () {
      if (engine._tip) { map.closeTooltip(engine._tip); }
      engine.container.style.cursor = '';
    });
    (opts.attribution || []).forEach(function (text) {
      if (map.attributionControl) { map.attributionControl.addAttribution(escapeHtml(text)); }
    });
    if (opts.title) {
      var title = el('div', 'geo-title', opts.title);
      L.DomEvent.disableClickPropagation(title);
      this.container.appendChild(title);
    }

    var TimeControl = L.Control.extend({
      options: { position: 'bottomleft' },
      onAdd: function () { return engine._timePanel(); }
    });
    new TimeControl().addTo(map);
    var Legend = L.Control.extend({
      options: { position: 'bottomright' },
      onAdd: function () { return engine._legendPanel(); }
    });
    new Legend().addTo(map);
  };

  Engine.prototype._timePanel = function () {
    var engine = this, last = Math.max(0, this.spec.nDays - 1), base = this.spec.baseDay;
    var panel = el('div', 'geo-time leaflet-bar');
    L.DomEvent.disableClickPropagation(panel);
    L.DomEvent.disableScrollPropagation(panel);
    var top = el('div', 'geo-time-row');
    var play = el('button', 'geo-play', '▶'); play.type = 'button'; play.title = 'Play / pause';
    var back = el('button', 'geo-step-back', '◀'); back.type = 'button'; back.title = 'Step back';
    var fwd = el('button', 'geo-step-fwd', '▶|'); fwd.type = 'button'; fwd.title = 'Step forward';
    var step = el('select', 'geo-step');
    Object.keys(STEPS).forEach(function (name) { var o = el('option', null, name); o.value = name; step.appendChild(o); });
    step.value = this.spec.nDays > 3 * 365 ? 'month' : this.spec.nDays > 90 ? 'week' : 'day';
    step.title = 'Step size';
    var from = el('input', 'geo-from'); from.type = 'date';
    var to = el('input', 'geo-to'); to.type = 'date';
    from.min = to.min = isoDay(base); from.max = to.max = isoDay(base + last);
    var count = el('span', 'geo-count');
    [back, play, fwd, step, from, el('span', null, '–'), to, count].forEach(function (n) { top.appendChild(n); });
    panel.appendChild(top);

    var hist = el('canvas', 'geo-hist'); hist.width = 520; hist.height = 44;
    panel.appendChild(hist);
    var sliders = el('div', 'geo-sliders'), band = el('div', 'geo-band');
    sliders.appendChild(band);
    var lo = el('input', 'geo-range geo-range-from'), hi = el('input', 'geo-range geo-range-to');
    [lo, hi].forEach(function (r) { r.type = 'range'; r.min = 0; r.max = last; r.step = 1; sliders.appendChild(r); });
    lo.setAttribute('aria-label', 'Start date'); hi.setAttribute('aria-label', 'End date');
    panel.appendChild(sliders);

    var bottom = el('div', 'geo-time-row');
    var actor = el('input', 'geo-actor'); actor.type = 'search'; actor.placeholder = 'actor contains…';
    var metric = el('select', 'geo-metric');
    ['events', 'fatalities'].forEach(function (name) { var o = el('option', null, 'choropleth: ' + name); o.value = name; metric.appendChild(o); });
    bottom.appendChild(actor); bottom.appendChild(metric);
    panel.appendChild(bottom);

    this.inputs = { lo: lo, hi: hi, from: from, to: to, actor: actor, metric: metric, count: count, hist: hist, play: play, step: step, band: band };
    hist.title = 'Drag to select dates';
    // brushing: drag across the histogram to select a date range
    var dayAt = function (ev) {
      var rect = hist.getBoundingClientRect(), f = (ev.clientX - rect.left) / rect.width;
      return Math.max(0, Math.min(last, Math.round(f * (last + 1) - 0.5)));
    };
    var anchor = null;
    hist.addEventListener('pointerdown', function (ev) { anchor = dayAt(ev); hist.setPointerCapture(ev.pointerId); });
    hist.addEventListener('pointermove', function (ev) {
      if (anchor === null) { return; }
      var d = dayAt(ev); engine.t0 = Math.min(anchor, d); engine.t1 = Math.max(anchor, d);
      engine._syncInputs(); engine.scheduleUpdate();
    });
    hist.addEventListener('pointerup', function (ev) {
      if (anchor === null) { return; }
      var d = dayAt(ev); engine.t0 = Math.min(anchor, d); engine.t1 = Math.max(anchor, d); anchor = null;
      engine._syncInputs(); engine.scheduleUpdate();
    });
    this._syncInputs();

    lo.addEventListener('input', function () {
      engine.t0 = Math.min(Number(lo.value), engine.t1); lo.value = engine.t0; engine._syncInputs(); engine.scheduleUpdate();
    });
    hi.addEventListener('input', function () {
      engine.t1 = Math.max(Number(hi.value), engine.t0); hi.value = engine.t1; engine._syncInputs(); engine.scheduleUpdate();
    });
    from.addEventListener('change', function () { if (from.value) { engine.setRange(from.value, isoDay(base + engine.t1)); } });
    to.addEventListener('change', function () { if (to.value) { engine.setRange(isoDay(base + engine.t0), to.value); } });
    actor.addEventListener('input', function () { engine.setActor(actor.value); });
    metric.addEventListener('change', function () { engine.setMetric(metric.value); });
    back.addEventListener('click', function () { engine.step(-1); });
    fwd.addEventListener('click', function () { engine.step(1); });
    play.addEventListener('click', function () { engine.togglePlay(); });
    return panel;
  };

  /* Actor names offered while typing in the actor filter (the first 2,000 distinct). */
  Engine.prototype._actorList = function () {
    if (!this.inputs) { return; }
    var list = el('datalist'), id = 'geo-actors-' + GeoEvents.instances.indexOf(this);
    list.id = id;
    this.dict.actors.slice(0, 2000).forEach(function (name) {
      if (name) { var o = el('option'); o.value = name; list.appendChild(o); }
    });
    this.inputs.actor.parentNode.appendChild(list);
    this.inputs.actor.setAttribute('list', id);
  };

  /* Move the window by one step (keeping its width); false when it hits an end. */
  Engine.prototype.step = function (direction) {
    var size = STEPS[this.inputs.step.value] || 1, last = Math.max(0, this.spec.nDays - 1);
    var width = this.t1 - this.t0, shift = direction * size;
    if (direction > 0 && this.t1 >= last) { return false; }
    if (direction < 0 && this.t0 <= 0) { return false; }
    this.t0 = Math.max(0, Math.min(last - width, this.t0 + shift));
    this.t1 = this.t0 + width;
    this._syncInputs(); this.update();
    return true;
  };

  Engine.prototype.togglePlay = function () {
    var engine = this;
    if (this._playing) {
      clearInterval(this._playing); this._playing = null; this.inputs.play.textContent = '▶'; return;
    }
    if (this.t1 >= this.spec.nDays - 1) {  // at the end: restart from the beginning
      var width = this.t1 - this.t0; this.t0 = 0; this.t1 = width; this._syncInputs(); this.update();
    }
    this.inputs.play.textContent = '❚❚';
    this._playing = setInterval(function () { if (!engine.step(1)) { engine.togglePlay(); } }, 500);
  };

  Engine.prototype._syncInputs = function () {
    var i = this.inputs, base = this.spec.baseDay;
    if (!i) { return; }
    i.lo.value = this.t0; i.hi.value = this.t1;
    i.from.value = isoDay(base + this.t0); i.to.value = isoDay(base + this.t1);
    if (i.actor.value !== this.actor) { i.actor.value = this.actor; }
    i.metric.value = this.metric;
    var last = Math.max(1, this.spec.nDays - 1);
    i.band.style.left = (100 * this.t0 / last) + '%';
    i.band.style.width = (100 * (this.t1 - this.t0) / last) + '%';
  };

  Engine.prototype._updateLabels = function () {
    if (!this.inputs) { return; }
    var total = this.vcount + this.alist.length;
    this.inputs.count.textContent = total.toLocaleString('en') + ' of ' + this.n.toLocaleString('en') + ' events';
  };

  /* Counts per time bin for the non-time filters (the histogram under the slider). */
  Engine.prototype._histogram = function () {
    if (!this.ready) { return; }
    var nDays = Math.max(1, this.spec.nDays), bins = Math.min(nDays, 130), per = Math.ceil(nDays / bins);
    bins = Math.ceil(nDays / per);
    var counts = new Uint32Array(bins), c = this.cols, d0 = c.d0, kind = c.kind, kt = this.kindType;
    var typeOn = this.typeOn, ok = this.actorOk, a1 = c.a1, a2 = c.a2;
    for (var i = 0; i < this.n; i++) {
      if (!typeOn[kt[kind[i]]]) { continue; }
      if (ok && !ok[a1[i]] && !ok[a2[i]]) { continue; }
      counts[(d0[i] / per) | 0]++;
    }
    this.hist = { counts: counts, per: per };
  };

  Engine.prototype._paintHistogram = function () {
    if (!this.hist || !this.inputs) { return; }
    var canvas = this.inputs.hist, ctx = canvas.getContext('2d'), h = this.hist, bins = h.counts.length;
    var max = 0;
    for (var b = 0; b < bins; b++) { if (h.counts[b] > max) { max = h.counts[b]; } }
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    var bw = canvas.width / bins;
    for (b = 0; b < bins; b++) {
      if (!h.counts[b]) { continue; }
      var start = b * h.per, end = start + h.per - 1, inside = end >= this.t0 && start <= this.t1;
      var bh = Math.max(1.5, Math.sqrt(h.counts[b] / max) * (canvas.height - 2));
      ctx.fillStyle = inside ? '#33597a' : '#c9ced3';
      ctx.fillRect(b * bw, canvas.height - bh, Math.max(1, bw - 0.5), bh);
    }
  };

  Engine.prototype._legendPanel = function () {
    var panel = el('div', 'geo-legend leaflet-bar');
    L.DomEvent.disableClickPropagation(panel);
    L.DomEvent.disableScrollPropagation(panel);
    this.legend = panel;
    return panel;
  };

  Engine.prototype._updateLegend = function () {
    var panel = this.legend, spec = this.spec, counts = new Uint32Array(this.types.length);
    if (!panel) { return; }
    var kind = this.cols.kind, kt = this.kindType, areas = 0;
    for (var k = 0; k < this.vcount; k++) { counts[kt[kind[this.vlist[k]]]]++; }
    for (k = 0; k < this.alist.length; k++) { counts[kt[kind[this.alist[k]]]]++; areas++; }
    panel.textContent = '';
    panel.appendChild(el('div', 'geo-legend-title', 'Event types'));
    var engine = this;
    for (var t = 0; t < this.types.length; t++) {
      var row = el('div', 'geo-legend-row' + (this.typeOn[t] ? '' : ' geo-off'));
      var dot = el('span', 'geo-swatch'); dot.style.background = spec.colours[t];
      row.appendChild(dot); row.appendChild(el('span', null, this.types[t] + ' (' + counts[t] + ')'));
      row.title = 'Show or hide this type';
      row.setAttribute('role', 'button');
      row.setAttribute('data-type', this.types[t]);
      row.addEventListener('click', (function (code) {
        return function () { engine.toggleType(code); };
      })(t));
      panel.appendChild(row);
    }
    if (this.areaIdx.length) {
      var arow = el('div', 'geo-legend-row'), sw = el('span', 'geo-swatch geo-swatch-area');
      arow.appendChild(sw); arow.appendChild(el('span', null, 'dashed shape: area event (' + areas + ')'));
      panel.appendChild(arow);
    }
    for (var key in this.admin) {
      var entry = this.admin[key];
      if (!entry.on) { continue; }
      panel.appendChild(el('div', 'geo-legend-title', (this.metric === 'fatalities' ? 'Fatalities' : 'Events') + ' per admin ' + key + ' unit'));
      var ramp = el('div', 'geo-ramp');
      RAMP.forEach(function (c) { var s = el('span'); s.style.background = c; ramp.appendChild(s); });
      panel.appendChild(ramp);
      panel.appendChild(el('div', 'geo-ramp-labels', '0 … ' + (entry.max || 0)));
    }
    var missing = spec.notDrawn || {}, notes = [];
    for (var reason in missing) { if (missing[reason]) { notes.push(missing[reason] + ' with ' + reason); } }
    if (notes.length) { panel.appendChild(el('div', 'geo-legend-note', 'Not drawn: ' + notes.join(', '))); }
  };

  var GeoEvents = window.GeoEvents = {
    instances: [],
    create: function (map, spec, b64) { return new Engine(map, spec, b64); },
    get: function (k) { return GeoEvents.instances[k || 0]; },
    Engine: Engine
  };
})();
