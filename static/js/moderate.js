/* Moderation pages: the review map with its draggable pin, and the claim on a report:
 * renewed while its page is open, and others' claims followed within seconds. Everything it needs comes from data- attributes; without
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

  /* ---------- the claim: follow others', keep one's own ---------- */

  // How often the page asks who holds the report: a claim taken or released elsewhere
  // shows within this many seconds.
  var POLL_SECONDS = 4;

  function watchClaim(box) {
    var seconds = parseInt(box.dataset.claimSeconds, 10);
    if (!box.dataset.claimStateUrl || !(seconds > 0)) { return; }
    var text = box.querySelector("[data-claim-text]");
    var release = box.querySelector("[data-claim-release]");
    var renewedAt = Date.now();
    var busy = false;
    var timer = null;

    function json(response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }

    function allowDecisions(allowed) {
      document.querySelectorAll(".decision-set").forEach(function (set) { set.disabled = !allowed; });
      document.querySelectorAll("[data-claim-gated]").forEach(function (button) { button.disabled = !allowed; });
      document.querySelectorAll("[data-claim-blocked]").forEach(function (note) { note.hidden = allowed; });
    }

    function show(state) {
      if (text.textContent !== state.message) {
        text.textContent = state.message;
        document.querySelectorAll("[data-claim-blocked]").forEach(function (note) {
          note.textContent = state.message;
        });
      }
      box.classList.toggle("claim-mine", state.mine);
      box.classList.toggle("claim-other", state.held && !state.mine || state.status !== "pending");
      box.classList.toggle("claim-free", !state.held && state.status === "pending");
      if (release) { release.hidden = !state.mine; }
      allowDecisions(state.can_decide);
      if (state.status !== "pending") { window.clearInterval(timer); }
    }

    // Take a free report (the moderator is looking at it), or renew one's own claim.
    function claim() {
      busy = true;
      return fetch(box.dataset.claimUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": Hikwatch.csrfToken(), "Accept": "application/json" }
      })
        .then(function () { renewedAt = Date.now(); return poll(true); })
        .catch(function () { /* offline for a moment: try again next time */ })
        .then(function () { busy = false; });
    }

    function poll(afterClaim) {
      return fetch(box.dataset.claimStateUrl, {
        credentials: "same-origin", headers: { "Accept": "application/json" }
      })
        .then(json)
        .then(function (result) {
          if (!result.ok) { return; }
          var state = result.body;
          show(state);
          if (afterClaim || state.status !== "pending") { return; }
          var renewDue = state.mine && Date.now() - renewedAt > seconds * 500;
          if (!state.held || renewDue) { return claim(); }
        })
        .catch(function () { /* offline for a moment: try again next time */ });
    }

    timer = window.setInterval(function () {
      if (document.visibilityState === "visible" && !busy) { poll(false); }
    }, POLL_SECONDS * 1000);
  }

  document.querySelectorAll("[data-claim-state-url]").forEach(watchClaim);
})();
