/* geoworks near-me page: click on the map or use the browser's location to search. */
(function () {
  var form = document.getElementById('near-form');
  if (!form) { return; }
  var lat = document.getElementById('near-lat');
  var lon = document.getElementById('near-lon');
  var q = document.getElementById('near-q');
  var text = window.geoworksNearText || {};

  function search(la, lo) {
    lat.value = la.toFixed(6);
    lon.value = lo.toFixed(6);
    q.value = '';  // a point, not a name
    form.submit();
  }
  window.geoworksNearPick = search;

  var locate = document.getElementById('near-locate');
  if (locate) {
    locate.addEventListener('click', function () {
      if (!navigator.geolocation) { alert(text.denied); return; }
      locate.disabled = true;
      locate.textContent = text.locating;
      navigator.geolocation.getCurrentPosition(function (pos) {
        search(pos.coords.latitude, pos.coords.longitude);
      }, function () {
        locate.disabled = false;
        alert(text.denied);
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }
  // typing a name clears stale coordinates, so the name is searched
  if (q) {
    q.addEventListener('input', function () { lat.value = ''; lon.value = ''; });
  }
})();
