/* Camera page: a small map with the one camera on it. */
(function () {
  "use strict";
  var element = document.getElementById("camera-location");
  if (!element || !window.L) { return; }
  element.hidden = false;
  var map = Hikwatch.createMap(element);
  var position = [Number(element.dataset.lat), Number(element.dataset.lon)];
  L.circleMarker(position, {
    radius: 9, weight: 3, color: "#ffffff",
    fillColor: element.dataset.status === "active" ? "#b3261e" : "#555555", fillOpacity: 0.95
  }).addTo(map);
  map.setView(position, 18);
})();
