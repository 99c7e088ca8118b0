/* geoworks map pages: loads each layer's works for the visible area from the
   features endpoint, and labels districts and works. Every value from data is
   inserted as text (textContent), never as HTML. */
(function () {
  "use strict";
  var cfg = null;
  function config() {
    if (!cfg) {
      var el = document.getElementById("gw-config");
      cfg = el ? JSON.parse(el.textContent) : {layers: {}, districts: {}, totals: {}, labels: {}, statuses: {}, filters: {}};
    }
    return cfg;
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (m, k) { return values[k] !== undefined ? values[k] : m; });
  }
  function row(table, label, value) {
    var tr = el("tr");
    tr.appendChild(el("th", null, label));
    tr.appendChild(el("td", null, value));
    table.appendChild(tr);
  }

  var districtLayers = {}, geo = {}, theMap = null, theGroups = {};
  function bindDistrict(feature, layer) {
    var c = config(), slug = feature.properties.slug, name = c.districts[slug] || slug;
    districtLayers[slug] = layer;
    var tip = el("div", "gw-tip");
    tip.appendChild(el("strong", null, name));
    var totals = c.totals[slug] || {};
    var shown = c.shading && totals[c.shading] !== undefined ? totals[c.shading] : null;
    if (shown !== null) tip.appendChild(el("div", null, shown));
    layer.bindTooltip(tip, {sticky: true});
    var pop = el("div", "gw-popup gw-district-popup");
    pop.appendChild(el("h3", null, name));
    var t = el("table");
    Object.keys(c.layers).forEach(function (lid) {
      var lyr = c.layers[lid];
      var v = totals[lid] !== undefined ? totals[lid] : "0";
      row(t, lyr.name, v + (lyr.unit === "km" ? " " + (c.labels.km || "km") : ""));
    });
    pop.appendChild(t);
    if (c.districtUrl) {
      var a = el("a", "gw-open-district", c.labels.open_district);
      a.href = c.districtUrl.replace("SLUG", encodeURIComponent(slug));
      pop.appendChild(a);
    }
    layer.bindPopup(pop, {maxWidth: 320});
  }

  function workPopup(layerId, feature) {
    var c = config(), box = el("div", "gw-popup gw-work-popup");
    box.appendChild(el("h3", null, feature.properties.n || feature.id));
    box.appendChild(el("p", "gw-loading", c.labels.loading));
    var url = c.detailUrl.replace("LAYER", encodeURIComponent(layerId)).replace("ID", encodeURIComponent(feature.id));
    fetch(url).then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); }).then(function (d) {
      var L_ = c.labels, lyr = c.layers[layerId] || {}, t = el("table");
      box.removeChild(box.querySelector(".gw-loading"));
      row(t, L_.layer, lyr.name || layerId);
      row(t, L_.status, c.statuses[d.status] || d.status || L_.unknown);
      row(t, L_.start, d.start_date || L_.unknown);
      row(t, L_.end, d.end_date || L_.unknown);
      row(t, L_.contractor, d.contractor || L_.unknown);
      if (lyr.geometry === "line") row(t, L_.length, ((d.length_m || 0) / 1000).toFixed(3) + " " + L_.km);
      else if (d.area_m2) row(t, L_.area, Math.round(d.area_m2) + " " + L_.m2);
      row(t, L_.district, d.district === "outside" ? L_.outside : (c.districts[d.district] || d.district || L_.unknown));
      box.appendChild(t);
    }).catch(function () {
      var p = box.querySelector(".gw-loading");
      if (p) p.textContent = fill(c.labels.failed, {layer: (c.layers[layerId] || {}).name || layerId});
    });
    return box;
  }

  function attach(map, groups, dataAttribution) {
    var c = config(), notices = {}, pending = 0, timer = null, seq = {}, lastKey = {};
    if (dataAttribution) map.attributionControl.addAttribution(dataAttribution);
    theMap = map;
    theGroups = groups;
    Object.keys(groups).forEach(function (lid) {
      var lyr = c.layers[lid] || {colour: "#333", geometry: "line"};
      var cls = "gw-work gw-layer-" + lid;
      geo[lid] = L.geoJSON(null, {
        style: function () {
          return lyr.geometry === "line" ? {color: lyr.colour, weight: 3, opacity: 1, className: cls}
            : {color: lyr.colour, weight: 1, fillColor: lyr.colour, fillOpacity: 0.5, className: cls};
        },
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, {radius: 4, color: lyr.colour, weight: 1, fillColor: lyr.colour,
                                         fillOpacity: 0.7, className: cls});
        },
      });
      // one listener per layer, not per feature: tooltips and popups are made on first use
      geo[lid].on("mouseover", function (e) {
        var l = e.propagatedFrom || e.layer;
        if (!l || !l.feature) return;
        if (!l.getTooltip()) l.bindTooltip(el("span", null, l.feature.properties.n || l.feature.id), {sticky: true});
        l.openTooltip(e.latlng);
      });
      geo[lid].on("click", function (e) {
        var l = e.propagatedFrom || e.layer;
        if (!l || !l.feature) return;
        L.popup({maxWidth: 320}).setLatLng(e.latlng).setContent(workPopup(lid, l.feature)).openOn(map);
      });
      geo[lid].addTo(groups[lid]);
    });
    function showNotices() {
      var box = document.getElementById("gw-notice");
      if (!box) return;
      box.textContent = Object.keys(notices).filter(function (k) { return map.hasLayer(groups[k]); })
        .map(function (k) { return notices[k]; }).join(" ");
    }
    function done() {
      pending -= 1;
      if (pending === 0) {
        document.documentElement.setAttribute("data-gw-map", "ready");
        showNotices();
      }
    }
    function load(lid) {
      var b = map.getBounds(), z = map.getZoom();
      var params = new URLSearchParams({
        bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(","),
        zoom: String(z)
      });
      Object.keys(c.filters || {}).forEach(function (k) { params.set(k, c.filters[k]); });
      var key = params.toString();
      if (lastKey[lid] === key) return;  // this view is already loaded (or loading)
      lastKey[lid] = key;
      var mine = (seq[lid] = (seq[lid] || 0) + 1);
      pending += 1;
      document.documentElement.setAttribute("data-gw-map", "loading");
      fetch(c.featuresUrl + encodeURIComponent(lid) + ".geojson?" + params.toString())
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (data) {
          if (mine !== seq[lid]) return;
          geo[lid].clearLayers();
          geo[lid].addData(data);
          groups[lid].featureCount = data.returned;
          if (data.truncated) notices[lid] = fill(c.labels.truncated, {layer: c.layers[lid].name, shown: data.returned, total: data.total});
          else delete notices[lid];
        })
        .catch(function () { delete lastKey[lid]; notices[lid] = fill(c.labels.failed, {layer: (c.layers[lid] || {}).name || lid}); })
        .then(done);
    }
    function refresh() {
      Object.keys(groups).forEach(function (lid) { if (map.hasLayer(groups[lid])) load(lid); });
      if (pending === 0) { document.documentElement.setAttribute("data-gw-map", "ready"); showNotices(); }
    }
    map.on("moveend", function () {
      document.documentElement.setAttribute("data-gw-map", "loading");  // until this view's works are in
      clearTimeout(timer);
      timer = setTimeout(refresh, 120);
    });
    map.on("overlayadd", function (e) {
      Object.keys(groups).forEach(function (lid) { if (groups[lid] === e.layer) { delete lastKey[lid]; load(lid); } });
    });
    map.on("overlayremove", showNotices);
    document.documentElement.setAttribute("data-gw-map", "loading");
    timer = setTimeout(refresh, 0);  // after the map's own script has fitted the view
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("gw-filters");
    if (!form) return;
    Array.prototype.forEach.call(form.querySelectorAll("select"), function (s) {
      s.addEventListener("change", function () { form.submit(); });
    });
  });

  /* For tests and tools: what is drawn, and where on the screen a drawn feature lies. */
  function drawn(lid) {
    return theMap && geo[lid] && theMap.hasLayer(theGroups[lid]) ? geo[lid].getLayers().length : 0;
  }
  function screenPoint(layer) {
    var rect = theMap.getContainer().getBoundingClientRect(), ll;
    if (layer.getLatLngs) {
      var flat = layer.getLatLngs();
      while (Array.isArray(flat[0])) flat = flat[0];
      ll = layer instanceof L.Polygon ? layer.getBounds().getCenter() : flat[Math.floor(flat.length / 2)];
      if (!(layer instanceof L.Polygon) && flat.length > 1 && flat.length % 2 === 0) {
        var a = flat[flat.length / 2 - 1], b = flat[flat.length / 2];
        ll = L.latLng((a.lat + b.lat) / 2, (a.lng + b.lng) / 2);
      }
    } else {
      ll = layer.getLatLng();
    }
    var p = theMap.latLngToContainerPoint(ll);
    return {x: rect.left + p.x, y: rect.top + p.y};
  }
  function workPoint(lid, index) {
    var layers = geo[lid] ? geo[lid].getLayers() : [];
    return layers.length > (index || 0) ? screenPoint(layers[index || 0]) : null;
  }
  function districtPoint(slug, lon, lat) {
    var rect = theMap.getContainer().getBoundingClientRect(), p = theMap.latLngToContainerPoint([lat, lon]);
    return {x: rect.left + p.x, y: rect.top + p.y};
  }

  window.geoworks = {bindDistrict: bindDistrict, attach: attach, config: config, drawn: drawn,
                     districts: function () { return Object.keys(districtLayers).length; },
                     workPoint: workPoint, districtPoint: districtPoint,
                     get map() { return theMap; }};
})();
