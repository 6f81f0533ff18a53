/* Home page: the 33 council areas on a map. */
(function () {
  "use strict";
  var element = document.getElementById("home-map");
  if (!element || !window.L) { return; }
  var map = Hikwatch.createMap(element);
  fetch(element.dataset.boundariesUrl, { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (collection) {
      L.geoJSON(collection, {
        style: { color: "#1d3557", weight: 1.5, fillColor: "#457b9d", fillOpacity: 0.08 },
        onEachFeature: function (feature, layer) {
          layer.bindTooltip(feature.properties.name, { sticky: true });
        }
      }).addTo(map);
    });
})();
