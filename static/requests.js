/* geoworks residents' requests: choosing a place on the filing form, ticking rows of the triage list,
   and drawing the requests near a place on the /near map. Texts from data go in with textContent. */
(function () {
  "use strict";
  var marker = null;
  function place(lat, lon) {
    var map = window.geoworksRequestMap;
    if (!map) return;
    if (marker) marker.setLatLng([lat, lon]);
    else marker = L.circleMarker([lat, lon], {radius: 9, color: "#ffffff", weight: 2, fillColor: "#d62828", fillOpacity: 1}).addTo(map);
  }
  window.geoworksRequestPick = function (lat, lon) {
    var la = document.getElementById("rq-lat"), lo = document.getElementById("rq-lon");
    if (!la || !lo) return;
    la.value = lat.toFixed(6);
    lo.value = lon.toFixed(6);
    var details = la.closest("details");
    if (details) details.open = true;
    place(lat, lon);
  };
  document.addEventListener("DOMContentLoaded", function () {
    var la = document.getElementById("rq-lat"), lo = document.getElementById("rq-lon");
    if (la && lo && la.value && lo.value && !isNaN(parseFloat(la.value)) && !isNaN(parseFloat(lo.value))) {
      place(parseFloat(la.value), parseFloat(lo.value));
    }
    var street = document.getElementById("rq-street");
    if (street && la && lo) street.addEventListener("input", function () { la.value = ""; lo.value = ""; });
    var text = document.getElementById("rq-text"), count = document.getElementById("rq-count");
    if (text && count) text.addEventListener("input", function () { count.textContent = String(text.value.length); });
    var all = document.getElementById("rq-all");
    if (all) all.addEventListener("change", function () {
      Array.prototype.forEach.call(document.querySelectorAll("#rq-list input[name=ids]"), function (b) { b.checked = all.checked; });
    });
    var filters = document.getElementById("rq-filters");
    if (filters) Array.prototype.forEach.call(filters.querySelectorAll("select"), function (s) {
      s.addEventListener("change", function () { filters.submit(); });
    });
    drawNear();
  });
  /* /near: the requests listed beside the works, as points on the near map */
  function drawNear() {
    var data = document.getElementById("near-requests-data");
    if (!data) return;
    var cfg = JSON.parse(data.textContent), map = window[cfg.map];
    if (!map || !cfg.rows) return;
    cfg.rows.forEach(function (r) {
      var m = L.circleMarker([r.lat, r.lon], {radius: 6, color: "#ffffff", weight: 1.5, fillColor: r.colour, fillOpacity: 0.95,
                                               className: "gw-request gw-request-" + r.status}).addTo(map);
      var tip = document.createElement("span");
      tip.textContent = r.topic + " · " + r.status_name + " · " + r.distance_m + " m";
      m.bindTooltip(tip);
      m.on("click", function () { window.location.href = r.url; });
    });
  }
})();
