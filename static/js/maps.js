/* Shared map set-up: tiles and attribution come from the page's data- attributes. */
(function () {
  "use strict";

  function boundsFrom(element) {
    var parts = (element.dataset.bounds || "").split(",").map(Number);
    if (parts.length !== 4 || parts.some(isNaN)) {
      return L.latLngBounds([51.28, -0.51], [51.69, 0.34]);
    }
    // data-bounds is min_lon,min_lat,max_lon,max_lat
    return L.latLngBounds([parts[1], parts[0]], [parts[3], parts[2]]);
  }

  // Every map made here, so other scripts (the postcode box) can find a page's map.
  var made = [];

  function mapFor(element) {
    for (var i = 0; i < made.length; i += 1) {
      if (made[i].element === element) { return made[i].map; }
    }
    return null;
  }

  function createMap(element, settingsElement) {
    var settings = settingsElement || element;
    var map = L.map(element, { zoomControl: true, scrollWheelZoom: false, tap: true });
    if (settings.dataset.tileUrl) {
      L.tileLayer(settings.dataset.tileUrl, {
        maxZoom: 19,
        attribution: settings.dataset.tileAttribution || ""
      }).addTo(map);
    }
    map.fitBounds(boundsFrom(settings));
    made.push({ element: element, map: map });
    return map;
  }

  window.Hikwatch = window.Hikwatch || {};
  window.Hikwatch.createMap = createMap;
  window.Hikwatch.boundsFrom = boundsFrom;
  window.Hikwatch.mapFor = mapFor;
  window.Hikwatch.csrfToken = function () {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  };
})();
