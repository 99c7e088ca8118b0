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
      answeredRequests(box, layerId, feature.id);
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

  /* Residents' requests: points shaded by status, or clusters (a ring of status shares with the count)
     when many, loaded for the visible area from opts.url with the page's filters. Texts from data go
     in with textContent only. */
  var reqOpts = null, reqLayer = null;
  function statusColour(s) { return (reqOpts.statuses[s] || {}).colour || "#555"; }
  function statusName(s) { return (reqOpts.statuses[s] || {}).name || s; }
  function clusterIcon(f, statuses) {
    var n = f.properties.n, size = Math.round(26 + 8 * Math.log10(Math.max(n, 1))), stops = [], at = 0;
    f.properties.c.forEach(function (k, i) {
      if (!k) return;
      var to = at + 100 * k / n;
      stops.push(statusColour(statuses[i]) + " " + at.toFixed(2) + "% " + to.toFixed(2) + "%");
      at = to;
    });
    var ring = el("div", "gw-rq-cluster"), inner = el("span", null, n);
    ring.style.cssText = "width:" + size + "px;height:" + size + "px;border-radius:50%;display:flex;" +
      "align-items:center;justify-content:center;box-shadow:0 0 0 1px #fff,0 1px 3px rgba(0,0,0,.45);" +
      "background:conic-gradient(" + stops.join(",") + ")";
    inner.style.cssText = "background:#fff;border-radius:50%;min-width:60%;height:60%;display:flex;" +
      "align-items:center;justify-content:center;font:600 11px system-ui,sans-serif;color:#222;padding:0 2px";
    ring.appendChild(inner);
    return L.divIcon({html: ring, className: "gw-rq-icon", iconSize: [size, size]});
  }
  function clusterTip(f, statuses) {
    var box = el("div", "gw-tip");
    box.appendChild(el("strong", null, fill(reqOpts.labels.cluster, {n: f.properties.n})));
    f.properties.c.forEach(function (k, i) { if (k) box.appendChild(el("div", null, statusName(statuses[i]) + ": " + k)); });
    return box;
  }
  function requestPopup(id) {
    var box = el("div", "gw-popup gw-request-popup");
    box.appendChild(el("p", "gw-loading", reqOpts.labels.loading));
    fetch(reqOpts.popupUrl.replace("ID", encodeURIComponent(id))).then(function (r) {
      return r.ok ? r.json() : Promise.reject(r.status);
    }).then(function (d) {
      box.textContent = "";
      box.appendChild(el("h3", null, d.title));
      box.appendChild(el("p", "gw-request-text", d.text));
      var t = el("table");
      d.rows.forEach(function (rw) { row(t, rw[0], rw[1]); });
      box.appendChild(t);
      var a = el("a", "gw-open-request", d.open);
      a.href = d.url;
      box.appendChild(a);
    }).catch(function () { box.textContent = reqOpts.labels.failed; });
    return box;
  }
  function drawRequest(f, statuses) {
    var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]], m;
    if (f.properties.n) {
      m = L.marker(ll, {icon: clusterIcon(f, statuses), keyboard: false});
      m.bindTooltip(clusterTip(f, statuses));
      m.on("click", function () { theRequestsMap.setView(ll, Math.min(theRequestsMap.getZoom() + 2, 18)); });
    } else {
      var s = f.properties.s;
      m = L.circleMarker(ll, {radius: 6, color: "#ffffff", weight: 1.5, fillColor: statusColour(s), fillOpacity: 0.95,
                              className: "gw-request gw-request-" + s});
      m.bindTooltip(el("span", null, (reqOpts.topics[f.properties.t] || f.properties.t) + " · " + statusName(s)));
      m.on("click", function (e) {
        L.popup({maxWidth: 320}).setLatLng(e.latlng).setContent(requestPopup(f.id)).openOn(theRequestsMap);
      });
    }
    reqLayer.addLayer(m);
  }
  var theRequestsMap = null;
  function attachRequests(map, group, opts) {
    var timer = null, seq = 0, lastKey = null, inflight = false, root = document.documentElement;
    reqOpts = opts;
    theRequestsMap = map;
    reqLayer = L.layerGroup().addTo(group);
    function notice(text) {
      var box = document.getElementById("gw-requests-notice");
      if (box) box.textContent = text;
    }
    function load() {
      if (!map.hasLayer(group)) { root.setAttribute("data-gw-requests", "hidden"); return; }
      var b = map.getBounds(), params = new URLSearchParams({
        bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(","),
        zoom: String(map.getZoom())
      });
      Object.keys(opts.filters || {}).forEach(function (k) {
        [].concat(opts.filters[k]).forEach(function (v) { params.append(k, v); });
      });
      var key = params.toString();
      if (key === lastKey) {  // this view is loaded, or loading
        if (!inflight) root.setAttribute("data-gw-requests", "ready");
        return;
      }
      lastKey = key;
      var mine = ++seq;
      inflight = true;
      root.setAttribute("data-gw-requests", "loading");
      fetch(opts.url + "?" + key).then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (data) {
          if (mine !== seq) return;
          inflight = false;
          reqLayer.clearLayers();
          data.features.forEach(function (f) { drawRequest(f, data.statuses); });
          notice(data.clustered ? fill(opts.labels.clustered, {total: data.total}) : "");
          root.setAttribute("data-gw-requests", "ready");
        })
        .catch(function () {
          if (mine !== seq) return;
          inflight = false;
          lastKey = null;
          notice(opts.labels.failed);
          root.setAttribute("data-gw-requests", "failed");
        });
    }
    map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(load, 120); });
    map.on("overlayadd", function (e) { if (e.layer === group) { lastKey = null; load(); } });
    map.on("overlayremove", function (e) { if (e.layer === group) notice(""); });
    timer = setTimeout(load, 0);
  }
  /* A work's popup: the residents' requests it answers (when the page serves requests). */
  function answeredRequests(box, layerId, workId) {
    if (!reqOpts || !reqOpts.forWorkUrl) return;
    var url = reqOpts.forWorkUrl.replace("LAYER", encodeURIComponent(layerId)).replace("ID", encodeURIComponent(workId));
    fetch(url).then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); }).then(function (d) {
      if (!d.total) return;
      var sec = el("div", "gw-work-requests");
      sec.appendChild(el("h4", null, d.heading));
      var ul = el("ul");
      d.items.forEach(function (it) {
        var li = el("li"), sw = el("span", "gw-swatch gw-point"), a = el("a", null, it.text);
        sw.style.background = it.colour;
        sw.style.borderRadius = "50%";
        a.href = it.url;
        li.appendChild(sw);
        li.appendChild(a);
        li.appendChild(el("span", "gw-meta", " · " + it.status_name + " · " + it.received));
        ul.appendChild(li);
      });
      sec.appendChild(ul);
      if (d.more) sec.appendChild(el("p", null, d.more));
      box.appendChild(sec);
    }).catch(function () { /* the work's own details are shown; its requests are optional */ });
  }
  function drawnRequests() { return reqLayer ? reqLayer.getLayers().length : 0; }
  function requestPoint(index) {
    var layers = reqLayer ? reqLayer.getLayers() : [];
    if (layers.length <= (index || 0)) return null;
    var rect = theRequestsMap.getContainer().getBoundingClientRect();
    var p = theRequestsMap.latLngToContainerPoint(layers[index || 0].getLatLng());
    return {x: rect.left + p.x, y: rect.top + p.y};
  }

  window.geoworks = {bindDistrict: bindDistrict, attach: attach, config: config, drawn: drawn,
                     attachRequests: attachRequests, drawnRequests: drawnRequests, requestPoint: requestPoint,
                     districts: function () { return Object.keys(districtLayers).length; },
                     workPoint: workPoint, districtPoint: districtPoint,
                     get map() { return theMap; }};
})();
