/* The private reply page: a map whose pin the resident can drag onto the camera. The
 * coordinates stay ordinary form fields, so without JavaScript they can be typed. */
(function () {
  "use strict";

  var form = document.querySelector(".reply-form");
  var box = document.getElementById("reply-map");
  if (!form || !box || !window.L) { return; }
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  var output = document.getElementById("borough-result");
  var ticket = 0;

  function describe(latitude, longitude) {
    var mine = ++ticket;
    output.textContent = "Finding the council area…";
    var url = form.dataset.locateUrl + "?lat=" + encodeURIComponent(latitude) +
      "&lon=" + encodeURIComponent(longitude);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (mine !== ticket) { return; }
        output.classList.toggle("borough-inside", result.ok);
        output.classList.toggle("borough-outside", !result.ok);
        output.textContent = result.ok
          ? "Council area: " + result.body.name + "."
          : "Outside London: Hikwatch covers the 33 London council areas only. Move the pin onto the camera.";
      })
      .catch(function () {
        if (mine === ticket) { output.textContent = "Could not check the council area: check your connection."; }
      });
  }

  box.hidden = false;
  var start = L.latLng(parseFloat(box.dataset.lat), parseFloat(box.dataset.lon));
  var map = Hikwatch.createMap(box, form);
  map.setView(start, 18);
  var pin = L.marker(start, { draggable: true, autoPan: true, title: "The camera: drag to move", alt: "Camera location pin" }).addTo(map);

  function placed(position) {
    lat.value = position.lat.toFixed(6);
    lon.value = position.lng.toFixed(6);
    describe(position.lat, position.lng);
  }
  pin.on("dragend", function () { placed(pin.getLatLng()); });
  map.on("click", function (event) { pin.setLatLng(event.latlng); placed(event.latlng); });
  [lat, lon].forEach(function (input) {
    input.addEventListener("change", function () {
      var typedLat = parseFloat(lat.value);
      var typedLon = parseFloat(lon.value);
      if (!isFinite(typedLat) || !isFinite(typedLon)) { return; }
      pin.setLatLng([typedLat, typedLon]);
      map.panTo([typedLat, typedLon]);
      describe(typedLat, typedLon);
    });
  });
})();
