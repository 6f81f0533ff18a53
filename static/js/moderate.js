/* Moderation pages: the review map with its draggable pin, and keeping the claim on a
 * report while its page is open. Everything it needs comes from data- attributes; without
 * JavaScript the forms work as they are (coordinates can be typed). */
(function () {
  "use strict";

  /* ---------- the review map ---------- */

  function number(value) {
    var parsed = parseFloat(value);
    return isFinite(parsed) ? parsed : null;
  }

  function drawBorough(map, element) {
    fetch(element.dataset.boundariesUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (collection) {
        var code = element.dataset.boroughCode;
        var own = collection.features.filter(function (feature) { return feature.id === code; });
        L.geoJSON({ type: "FeatureCollection", features: own }, {
          style: { color: "#1d3557", weight: 2, fillOpacity: 0.04 },
          interactive: false
        }).addTo(map);
      })
      .catch(function () { /* the map is still useful without the outline */ });
  }

  function drawCameras(map, element) {
    var cameras = [];
    try { cameras = JSON.parse(element.dataset.cameras || "[]"); } catch (error) { cameras = []; }
    var urlTemplate = element.dataset.cameraUrl || "";
    cameras.forEach(function (camera) {
      var dot = L.circleMarker([camera.lat, camera.lon], {
        radius: 8, color: "#8c1d17", weight: 2, fillColor: "#f59e0b", fillOpacity: 0.95
      }).addTo(map);
      var link = document.createElement("a");
      link.href = urlTemplate.replace(/\/0$/, "/" + camera.id);
      link.textContent = "Camera #" + camera.id + " (" + camera.status + ")";
      dot.bindPopup(link);
    });
  }

  function describeBorough(element, output, lat, lon) {
    if (!output || !element.dataset.locateUrl) { return; }
    var url = element.dataset.locateUrl + "?lat=" + encodeURIComponent(lat) +
      "&lon=" + encodeURIComponent(lon);
    fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        output.classList.toggle("borough-inside", result.ok);
        output.classList.toggle("borough-outside", !result.ok);
        output.textContent = result.ok
          ? "Pin in " + result.body.name + "."
          : "The pin is outside London: approving would be refused.";
      })
      .catch(function () { output.textContent = ""; });
  }

  function setUpReviewMap(element) {
    var lat = number(element.dataset.lat);
    var lon = number(element.dataset.lon);
    if (lat === null || lon === null || !window.L) { return; }
    var map = Hikwatch.createMap(element);
    map.setView([lat, lon], 18);
    drawBorough(map, element);
    drawCameras(map, element);

    var exifLat = number(element.dataset.exifLat);
    var exifLon = number(element.dataset.exifLon);
    if (exifLat !== null && exifLon !== null) {
      L.circleMarker([exifLat, exifLon], {
        radius: 6, color: "#3d4a63", weight: 2, fillColor: "#9aa5b8", fillOpacity: 0.9
      }).addTo(map).bindTooltip("Photo GPS");
    }

    var latInput = document.getElementById(element.dataset.latInput || "");
    var lonInput = document.getElementById(element.dataset.lonInput || "");
    var output = document.getElementById(element.dataset.boroughOutput || "");
    var editable = Boolean(latInput && lonInput && !latInput.disabled);
    var pin = L.marker([lat, lon], {
      draggable: editable,
      keyboard: editable,
      title: editable ? "The camera: drag to correct" : "The camera",
      alt: "Camera location"
    }).addTo(map);
    if (!editable) { return; }

    function showPin(position) {
      latInput.value = position.lat.toFixed(6);
      lonInput.value = position.lng.toFixed(6);
      describeBorough(element, output, position.lat, position.lng);
    }
    pin.on("dragend", function () { showPin(pin.getLatLng()); });
    map.on("click", function (event) { pin.setLatLng(event.latlng); showPin(event.latlng); });
    // Typed coordinates move the pin too, so keyboard users see what they typed.
    [latInput, lonInput].forEach(function (input) {
      input.addEventListener("change", function () {
        var typedLat = number(latInput.value);
        var typedLon = number(lonInput.value);
        if (typedLat === null || typedLon === null) { return; }
        pin.setLatLng([typedLat, typedLon]);
        map.panTo([typedLat, typedLon]);
        describeBorough(element, output, typedLat, typedLon);
      });
    });
    describeBorough(element, output, lat, lon);
  }

  document.querySelectorAll("[data-review-map]").forEach(setUpReviewMap);

  /* ---------- keeping the claim while the page is open ---------- */

  function keepClaim(box) {
    var seconds = parseInt(box.dataset.claimSeconds, 10);
    if (!box.dataset.claimUrl || !(seconds > 0) || box.hasAttribute("data-claim-passive")) {
      return;
    }
    // Renew at half the claim's length, only while the moderator is looking at the page.
    var timer = window.setInterval(renew, Math.max(30, seconds / 2) * 1000);

    function lost(message) {
      window.clearInterval(timer);
      box.classList.remove("claim-mine");
      box.classList.add("claim-other");
      box.textContent = message;
      document.querySelectorAll(".decision-set").forEach(function (set) { set.disabled = true; });
    }

    function renew() {
      if (document.visibilityState !== "visible") { return; }
      fetch(box.dataset.claimUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": Hikwatch.csrfToken(), "Accept": "application/json" }
      })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        })
        .then(function (result) {
          if (!result.ok) { lost(result.body.error || "This report is no longer yours."); return; }
          var until = box.querySelector("[data-claim-until]");
          if (until) { until.textContent = result.body.until; }
        })
        .catch(function () { /* offline for a moment: try again next time */ });
    }
  }

  document.querySelectorAll("[data-claim-url]").forEach(keepClaim);
})();
