/* The event map's browser code (pages/ui/mapview). Served from /app/static/vendor/app/ like a
   Leaflet plugin, listed by mapview.layers.MapAssets; folium templates only call these
   functions with data. Strings reaching HTML arrive escaped by Python (html_safe.safe);
   colours and SVG paths come from Python's own tables (mapview.symbols) and are checked here
   again before use. */
(function () {
  "use strict";
  var CM = (window.ConflictMap = window.ConflictMap || {});
  var HEX = /^#[0-9A-Fa-f]{6}$/;

  function colourOr(c, fallback) { return HEX.test(c) ? c : fallback; }

  function svgIcon(path, colour, size, eventId) {
    return '<svg xmlns="http://www.w3.org/2000/svg" width="' + size + '" height="' + size +
      '" viewBox="0 0 24 24"' + (eventId ? ' data-event-id="' + eventId + '"' : "") + '><path d="' + path +
      '" fill="' + colour + '" stroke="#FFFFFF" stroke-width="1.6" stroke-linejoin="round"/></svg>';
  }

  /* What the dynamic layer shows ("all", "events" or "grid") and how much: the browser tests'
     and the benchmark's signal, on the map's container, once the layer is on the map. */
  CM.mark = function (layer, mode, count) {
    layer.on("add", function () {
      var map = this._map;
      if (!map) { return; }
      var el = map.getContainer();
      el.setAttribute("data-mode", mode);
      el.setAttribute("data-count", String(count));
      window.__cm = {mode: mode, count: count, t: performance.now()};
      if (window.__drawn === undefined) {
        window.__drawn = performance.now();
        el.setAttribute("data-drawn", String(Math.round(window.__drawn)));
      }
    });
    return layer;
  };

  /* The home view: fit `bounds` at the map's real size, to a fraction of a zoom level (a phone's
     350-pixel map would otherwise drop a whole level and draw Syria at half the width), with a
     smaller margin on narrow maps. Fitted again when the frame is resized (Streamlit sets the
     frame's width after the script ran; a phone turned sideways) until the reader moves or zooms
     the map. The reader's later zooms snap to whole levels as usual. */
  CM.home = function (map, bounds, opts) {
    var touched = false;
    var el = map.getContainer();
    map._cmHome = bounds;  /* for the browser tests: the view the map opened on */
    function fit() {
      if (touched) { return; }
      var size = map.getSize();
      if (!size.x || !size.y) { return; }
      var pad = Math.min(opts.padding, Math.round(Math.min(size.x, size.y) / 25));
      var snap = map.options.zoomSnap;
      map.options.zoomSnap = opts.snap;
      map.fitBounds(bounds, {padding: [pad, pad], maxZoom: opts.maxZoom, animate: false});
      map.options.zoomSnap = snap;
    }
    ["mousedown", "touchstart", "wheel", "keydown"].forEach(function (name) {
      el.addEventListener(name, function () { touched = true; }, {passive: true, capture: true});
    });
    map.on("resize", fit);
    if (window.ResizeObserver) {
      new ResizeObserver(function () { map.invalidateSize({pan: false}); }).observe(el);
    }
    fit();
  };

  /* Offline outlines beneath everything, and governorate names where there is room. */
  CM.offlineBase = function (map, data, labels, opts) {
    var base = L.geoJson(data, {
      interactive: false,
      style: function (f) {
        var country = f.properties.kind === "country";
        return {color: opts.outline, weight: country ? 2.2 : 0.9, opacity: country ? 0.9 : 0.7,
                fillColor: opts.fill, fillOpacity: country ? 0 : 1};
      }
    }).addTo(map);
    var pane = map.createPane("govlabels");
    pane.style.zIndex = 450;  /* above the outlines, below the event markers */
    pane.style.pointerEvents = "none";
    var names = L.layerGroup(labels.map(function (l) {
      return L.marker([l.lat, l.lon], {interactive: false, keyboard: false, pane: "govlabels",
        icon: L.divIcon({className: "gov-label", html: "<span>" + l.html + "</span>", iconSize: [0, 0]})});
    }));
    function toggle() {
      if (map.getZoom() >= opts.labelMinZoom) { names.addTo(map); } else { map.removeLayer(names); }
    }
    map.on("zoomend", toggle);
    toggle();
    return base;
  };

  /* Online tiles: outlines see-through once a tile loads; a note when tiles fail. */
  CM.tileStatus = function (map, tiles, base, message) {
    var note = L.control({position: "bottomright"});
    note.onAdd = function () {
      var d = L.DomUtil.create("div", "tiles-note");
      d.textContent = message;
      return d;
    };
    note.addTo(map);
    var loaded = false;
    function fill(on) {
      if (base) {
        base.setStyle(function (f) { return {fillOpacity: (on && f.properties.kind !== "country") ? 1 : 0}; });
      }
    }
    tiles.on("tileload", function () {
      if (!loaded) { loaded = true; fill(false); }
      note.getContainer().style.display = "none";
    });
    tiles.on("tileerror", function () { if (!loaded) { note.getContainer().style.display = "block"; } });
    map.on("overlayremove", function (e) {
      if (e.layer === tiles) { fill(true); note.getContainer().style.display = "none"; }
    });
    map.on("overlayadd", function (e) { if (e.layer === tiles && loaded) { fill(false); } });
  };

  CM.legend = function (map, html) {
    var legend = L.control({position: "bottomleft"});
    legend.onAdd = function () {
      var d = L.DomUtil.create("div", "ev-legend");
      d.innerHTML = html;
      L.DomEvent.disableClickPropagation(d);
      L.DomEvent.disableScrollPropagation(d);
      return d;
    };
    legend.addTo(map);
  };

  CM.clusterIcon = function (cluster) {
    return L.divIcon({html: "<div>" + cluster.getChildCount() + "</div>", className: "ev-cluster", iconSize: [40, 40]});
  };

  /* Events one by one: GeoJSON points drawn as SVG symbols. A click gives streamlit-folium the
     feature, whose properties.event_id selects the event. */
  CM.events = function (data, paths) {
    return L.geoJson(data, {
      pointToLayer: function (feature, latlng) {
        var p = feature.properties;
        var d = Object.prototype.hasOwnProperty.call(paths, p.shape) ? paths[p.shape] : paths.circle;
        return L.marker(latlng, {
          icon: L.divIcon({className: "ev-icon", html: svgIcon(d, colourOr(p.colour, "#6B7280"), 22, p.dom_id),
                           iconSize: [22, 22], iconAnchor: [11, 11]}),
          riseOnHover: true, keyboard: true
        });
      },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(feature.properties.tooltip, {direction: "top", offset: [0, -10], className: "ev-tip"});
      }
    });
  };

  /* A choropleth area (mapview/areas.py): a click stamps the feature before streamlit-folium
     copies it into last_active_drawing, so that a second click on the same area is a new value
     the page can tell from the one it already acted on. */
  CM.areaFeature = function (feature, layer) {
    layer.on("click", function () { feature.properties.clicked = Date.now(); });
  };

  /* Places claimed by each party: labelled rings; the labels are re-placed once the
     stylesheets have loaded (streamlit-folium adds leaflet.css after the map script). */
  CM.claims = function (data) {
    var layer = L.geoJson(data, {
      pointToLayer: function (feature, latlng) {
        var p = feature.properties;
        if (p.anchor_only) {
          return L.circleMarker(latlng, {radius: 1, opacity: 0, fillOpacity: 0, interactive: false});
        }
        return L.circleMarker(latlng, {radius: 6, color: colourOr(p.colour, "#6B7280"), weight: 2.5, dashArray: "3 2",
                                       fillColor: "#FFFFFF", fillOpacity: 0.95});
      },
      onEachFeature: function (feature, layer) {
        var left = feature.properties.side === "left";
        var gap = feature.properties.anchor_only ? 14 : 8;
        layer.bindTooltip(feature.properties.tooltip, {permanent: true, direction: left ? "left" : "right",
                                                       offset: [left ? -gap : gap, 0], className: "claim-label"});
      }
    });
    /* A label that would leave the map (a claimant's place near the map's left edge on a phone)
       is put on the other side of its place, and back on its own side when there is room again.
       Measured only once leaflet.css has made the label absolutely positioned. */
    function place(t, side) {
      var gap = Math.abs((t.options.offset && t.options.offset.x) || (t.options.offset && t.options.offset[0]) || 8);
      t.options.direction = side;
      t.options.offset = L.point(side === "left" ? -gap : gap, 0);
      t.update();
    }
    function keepInside(l, t) {
      var map = l._map, el = t.getElement();
      if (!map || !el || window.getComputedStyle(el).position !== "absolute") { return; }
      var own = t._cmSide || (t._cmSide = t.options.direction);
      if (own !== "left" && own !== "right") { return; }
      if (t.options.direction !== own) { place(t, own); }
      var box = el.getBoundingClientRect(), frame = map.getContainer().getBoundingClientRect();
      if (own === "left" && box.left < frame.left) { place(t, "right"); }
      else if (own === "right" && box.right > frame.right) { place(t, "left"); }
    }
    function refresh() {
      layer.eachLayer(function (l) { var t = l.getTooltip(); if (t && l.isTooltipOpen()) { t.update(); keepInside(l, t); } });
    }
    var onMap = null;
    layer.on("add", function () {
      [0, 100, 400, 1200, 3000].forEach(function (ms) { setTimeout(refresh, ms); });
      onMap = layer._map;
      if (onMap) { onMap.on("zoomend resize", refresh); }
    });
    layer.on("remove", function () { if (onMap) { onMap.off("zoomend resize", refresh); onMap = null; } });
    return layer;
  };

  /* Grid cells counted by the query engine: a bubble per cell, sized by its count and coloured
     by its commonest status; the tooltip lists the breakdown; a click zooms to the cell. */
  CM.cells = function (cells) {
    var group = L.featureGroup();
    cells.forEach(function (c) {
      var size = Math.round(24 + 8 * Math.log(c.n) / Math.LN10);
      var text = c.n >= 10000 ? Math.round(c.n / 1000) + "k" : c.n >= 1000 ? (Math.round(c.n / 100) / 10) + "k" : String(c.n);
      var icon = L.divIcon({className: "cm-cell", iconSize: [size, size],
        html: '<div style="width:' + size + "px;height:" + size + "px;line-height:" + size + "px;background:" +
              colourOr(c.colour, "#374151") + '">' + text + "</div>"});
      var m = L.marker([c.lat, c.lon], {icon: icon, keyboard: true});
      m.feature = {type: "Feature", properties: {cell: true, count: c.n}, geometry: null};
      m.bindTooltip(c.tip, {direction: "top", className: "cm-cell-tip"});
      m.on("click", function () {
        var map = m._map;
        if (map) { map.fitBounds([[c.s, c.w], [c.n_, c.e]], {maxZoom: map.getZoom() + 3}); }
      });
      group.addLayer(m);
    });
    return group;
  };
})();
