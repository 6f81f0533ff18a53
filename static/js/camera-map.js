/* The public camera map (home page, borough pages, the borough table).
 *
 * Everything it needs comes from data- attributes on the map element:
 *   data-map-url        GET /api/map (server-side clusters and points)
 *   data-camera-url     popup JSON URL with {id} for the camera id
 *   data-boundaries-url borough outlines (GeoJSON)
 *   data-boroughs-url   optional: per-borough counts, to shade the outlines
 *   data-breaks         optional: comma-separated shading thresholds (from the server)
 *   data-shades         optional: comma-separated colours, one per shading class
 *   data-borough        optional: one borough's GSS code; the map shows only it
 *   data-cameras        "off" to draw only the shaded boroughs
 *   data-filters        optional: id of the filter form
 * Text from the server is only ever set with textContent, never parsed as HTML.
 */
(function () {
  "use strict";

  var element = document.getElementById("camera-map");
  if (!element || !window.L) { return; }
  var data = element.dataset;
  var form = data.filters ? document.getElementById(data.filters) : null;
  var statusLine = document.getElementById("map-status");
  var map = Hikwatch.createMap(element);
  var camerasOn = data.cameras !== "off";
  var canvas = L.canvas({ padding: 0.3 });
  var cameraLayer = L.layerGroup();
  var boroughLayer = null;
  var boroughBounds = {};
  var request = null;
  var SHADES = (data.shades || "#eeeeee,#d44b33").split(",");
  var STATUS_COLOURS = { active: "#b3261e", removed: "#555555", replaced: "#555555", covered: "#555555" };

  /* ---------- helpers ---------- */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function say(text) { if (statusLine) { statusLine.textContent = text; } }

  function breaks() {
    return (data.breaks || "").split(",").map(Number).filter(function (n) { return n > 0; });
  }

  function shadeFor(count) {
    var shade = 0;
    breaks().forEach(function (limit) { if (count >= limit) { shade += 1; } });
    return SHADES[Math.min(shade, SHADES.length - 1)];
  }

  function formDate(value) {
    var parts = (value || "").split("-");
    if (parts.length !== 3) { return value || ""; }
    var months = ["January", "February", "March", "April", "May", "June", "July", "August",
      "September", "October", "November", "December"];
    return Number(parts[2]) + " " + months[Number(parts[1]) - 1] + " " + parts[0];
  }

  /* ---------- filters ---------- */

  function filterParams() {
    var params = new URLSearchParams();
    if (data.borough) { params.set("borough", data.borough); }
    if (!form) { return params; }
    var statuses = [];
    form.querySelectorAll('input[name="status"]:checked').forEach(function (box) {
      statuses.push(box.value);
    });
    params.set("status", statuses.length ? statuses.join(",") : "active");
    ["borough", "operator", "verified"].forEach(function (name) {
      var field = form.elements[name];
      if (field && field.value) { params.set(name, field.value); }
    });
    return params;
  }

  /* ---------- cameras: clusters and points from the server ---------- */

  function refresh() {
    if (!camerasOn || !map.hasLayer(cameraLayer)) { return; }
    var bounds = map.getBounds().pad(0.2);
    var params = filterParams();
    params.set("bbox", [
      Math.max(bounds.getWest(), -180), Math.max(bounds.getSouth(), -90),
      Math.min(bounds.getEast(), 180), Math.min(bounds.getNorth(), 90)
    ].map(function (v) { return v.toFixed(5); }).join(","));
    params.set("zoom", String(Math.round(map.getZoom())));
    if (request) { request.abort(); }
    request = new AbortController();
    fetch(data.mapUrl + "?" + params.toString(), { signal: request.signal, headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("map data " + response.status); }
        return response.json();
      })
      .then(draw)
      .catch(function (error) {
        if (error.name !== "AbortError") { say("The cameras could not be loaded: check your connection."); }
      });
  }

  function draw(body) {
    cameraLayer.clearLayers();
    body.clusters.forEach(function (row) { drawCluster(row, body.cell, body.cell_origin); });
    body.points.forEach(function (row) { drawPoint(row, body.statuses); });
    var total = body.total.toLocaleString("en-GB");
    say(body.total === 0 ? "No cameras with these filters in this part of the map." :
      total + (body.total === 1 ? " camera" : " cameras") + " in this part of the map" +
      (body.truncated ? " (the first " + total + " only: zoom in to see all)" : "") + ".");
  }

  function drawCluster(row, cell, origin) {
    var lat = row[0], lon = row[1], count = row[2];
    var size = count < 10 ? "s" : count < 100 ? "m" : count < 1000 ? "l" : "xl";
    var label = count >= 10000 ? Math.round(count / 1000) + "k" : String(count);
    var marker = L.marker([lat, lon], {
      icon: L.divIcon({ className: "cluster cluster-" + size, html: label, iconSize: null }),
      title: count + " cameras: select to zoom in",
      alt: count + " cameras",
      keyboard: true
    });
    function zoomIn() {
      // The centroid lies inside its grid cell, so the cell's corners follow from it.
      var south = origin[0] + Math.floor((lat - origin[0]) / cell[0]) * cell[0];
      var west = origin[1] + Math.floor((lon - origin[1]) / cell[1]) * cell[1];
      map.fitBounds([[south, west], [south + cell[0], west + cell[1]]], { maxZoom: 18 });
    }
    marker.on("click", zoomIn);
    // Leaflet makes the cluster a focusable button but only clicks zoom: Enter and Space
    // must too. The redraw removes the focused cluster, so focus goes back to the map.
    marker.on("keydown", function (event) {
      var key = event.originalEvent.key;
      if (key !== "Enter" && key !== " ") { return; }
      event.originalEvent.preventDefault();
      element.focus({ preventScroll: true });
      zoomIn();
    });
    cameraLayer.addLayer(marker);
  }

  function drawPoint(row, statuses) {
    var status = statuses[row[3]];
    var marker = L.circleMarker([row[1], row[2]], {
      renderer: canvas,
      radius: 7,
      weight: row[5] ? 4 : 2,
      color: row[5] ? "#14213d" : "#ffffff",
      fillColor: STATUS_COLOURS[status] || "#555555",
      fillOpacity: status === "active" ? 0.95 : 0.6
    });
    marker.on("click", function () { openPopup(marker.getLatLng(), row[0]); });
    cameraLayer.addLayer(marker);
  }

  // The popup belongs to the map, not to the marker: opening it may pan the map, which
  // reloads and redraws the markers, and a marker's own popup would close with it.
  function openPopup(latlng, id) {
    var popup = L.popup({
      maxWidth: 280, maxHeight: Math.max(220, element.clientHeight - 90), autoPanPadding: [12, 64]
    })
      .setLatLng(latlng)
      .setContent(el("p", null, "Loading camera " + id + "…"))
      .openOn(map);
    fetch(data.cameraUrl.replace("{id}", encodeURIComponent(id)), { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("camera " + response.status); }
        return response.json();
      })
      .then(function (camera) { popup.setContent(popupContent(camera)); })
      .catch(function () { popup.setContent(el("p", null, "This camera could not be loaded.")); });
  }

  function popupContent(camera) {
    var box = el("div", "camera-popup");
    if (camera.thumb_url) {
      var img = el("img", "popup-thumb");
      img.src = camera.thumb_url;
      img.alt = "Photo of camera " + camera.id + " (faces and number plates blurred)";
      img.width = 240;
      img.height = 150; // fixed, so the popup is laid out (and panned into view) before it loads
      box.appendChild(img);
    }
    box.appendChild(el("p", "popup-title", "Camera " + camera.id + ": " + camera.brand));
    var facts = el("dl", "popup-facts");
    [
      ["Brand check", camera.brand_verified ? "Verified by a moderator" : "Not yet verified"],
      ["Evidence", camera.evidence],
      ["Type", camera.camera_type],
      ["Operator", camera.operator],
      ["Council area", camera.borough.name],
      ["Status", camera.status_label],
      ["First seen", formDate(camera.first_seen)],
      ["Last confirmed", formDate(camera.last_confirmed)]
    ].forEach(function (pair) {
      facts.appendChild(el("dt", null, pair[0]));
      facts.appendChild(el("dd", null, pair[1]));
    });
    box.appendChild(facts);
    var link = el("a", "popup-link", "Camera page, photos and history");
    link.href = camera.url;
    box.appendChild(link);
    return box;
  }

  /* ---------- boroughs: outlines, shading by verified cameras (the headline) ---------- */

  function loadBoroughs() {
    var requests = [fetch(data.boundariesUrl).then(function (r) { return r.json(); })];
    if (data.boroughsUrl) {
      // The counts shade the outlines; without them (a new site whose files are still being
      // built answers 503) the outlines are drawn unshaded.
      requests.push(fetch(data.boroughsUrl)
        .then(function (r) { return r.ok ? r.json() : null; })
        .catch(function () { return null; }));
    }
    return Promise.all(requests).then(function (results) {
      var figures = {};
      if (results[1]) {
        results[1].boroughs.forEach(function (b) { figures[b.code] = b; });
      }
      var collection = results[0];
      if (data.borough) {
        collection = { type: "FeatureCollection", features: collection.features.filter(function (f) {
          return f.properties.code === data.borough;
        }) };
      }
      boroughLayer = L.geoJSON(collection, {
        pane: "boroughs",
        style: function (feature) {
          var figure = figures[feature.properties.code];
          return {
            color: "#14213d", weight: data.borough ? 3 : 1.2,
            fillColor: figure ? shadeFor(figure.counts.verified) : "#457b9d",
            fillOpacity: figure ? shadeOpacity() : 0.05
          };
        },
        onEachFeature: function (feature, layer) {
          var figure = figures[feature.properties.code];
          var count = figure ? figure.counts.verified.toLocaleString("en-GB") + " verified cameras known" : "";
          layer.bindTooltip(feature.properties.name + (count ? ": " + count : ""), { sticky: true });
          // The tooltip's focus listeners make each outline a Tab stop in Chromium: 33 of them
          // before anything after the map. Keyboard users reach councils through the filters
          // and the borough table instead; the cluster buttons stay in the Tab order.
          layer.on("add", function () {
            var path = layer.getElement();
            if (path) { path.setAttribute("tabindex", "-1"); }
          });
          boroughBounds[feature.properties.code] = layer.getBounds();
          boroughBounds[feature.properties.slug] = layer.getBounds();
          if (!data.borough) {
            layer.on("click", function (event) { boroughPopup(event, feature, figure); });
          }
        }
      });
      boroughLayer.addTo(map);
      boroughLayer.bringToBack();
      if (data.borough && boroughBounds[data.borough]) { map.fitBounds(boroughBounds[data.borough]); }
      return boroughLayer;
    });
  }

  // Shading explains the city; up close it would hide the streets the cameras are on.
  function shadeOpacity() {
    var zoom = map.getZoom();
    return !camerasOn || zoom <= 11 ? 0.6 : zoom <= 13 ? 0.3 : 0.08;
  }

  function boroughPopup(event, feature, figure) {
    if (camerasOn && map.getZoom() >= 13) { return; } // up close, clicks are for cameras
    var box = el("div", "borough-popup");
    box.appendChild(el("p", "popup-title", feature.properties.name));
    if (figure) {
      box.appendChild(el("p", null, figure.counts.verified + " verified, " +
        figure.counts.council_operated + " of them council-operated; " +
        figure.counts.unconfirmed + " unconfirmed (known minimum)"));
    }
    var link = el("a", null, "Borough evidence");
    link.href = (data.boroughPageUrl || "/boroughs/{slug}").replace("{slug}", feature.properties.slug);
    box.appendChild(link);
    L.popup().setLatLng(event.latlng).setContent(box).openOn(map);
  }

  /* ---------- controls ---------- */

  function addLocateButton() {
    var button = document.getElementById("locate-me");
    if (!button || !navigator.geolocation) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      say("Asking your device for its location…");
      navigator.geolocation.getCurrentPosition(function (position) {
        map.setView([position.coords.latitude, position.coords.longitude], 16);
        say("Showing cameras around you.");
      }, function () {
        say("Your location is not available: allow location access, or zoom the map by hand.");
      }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 });
    });
  }

  function readHash() {
    var match = /^#map=(\d+)\/(-?[\d.]+)\/(-?[\d.]+)$/.exec(window.location.hash);
    if (match) { map.setView([Number(match[2]), Number(match[3])], Number(match[1])); }
  }

  function writeHash() {
    if (data.borough) { return; }
    var c = map.getCenter();
    var hash = "#map=" + map.getZoom() + "/" + c.lat.toFixed(5) + "/" + c.lng.toFixed(5);
    if (window.history.replaceState) { window.history.replaceState(null, "", hash); }
  }

  if (form) {
    form.hidden = false;
    form.addEventListener("submit", function (event) { event.preventDefault(); refresh(); });
    form.addEventListener("change", function (event) {
      if (event.target.name === "borough" && event.target.value && boroughBounds[event.target.value]) {
        map.fitBounds(boroughBounds[event.target.value]);
      }
      refresh();
    });
  }

  // Council areas sit below the cameras, so a tap near a camera reaches the camera.
  map.createPane("boroughs").style.zIndex = 350;
  var boroughsLoaded = loadBoroughs();
  map.on("zoomend", function () {
    if (boroughLayer && data.boroughsUrl) {
      boroughLayer.eachLayer(function (layer) {
        if (layer.options.fillOpacity > 0.05) { layer.setStyle({ fillOpacity: shadeOpacity() }); }
      });
    }
  });
  if (camerasOn) {
    cameraLayer.addTo(map);
    var overlays = { "Cameras": cameraLayer };
    boroughsLoaded.then(function (layer) {
      overlays[data.boroughsUrl ? "Council areas, shaded by verified cameras" : "Council area"] = layer;
      var layers = L.control.layers(null, overlays, { collapsed: true }).addTo(map);
      // Leaflet names its toggle only by a title, which touch screen readers may skip.
      var toggle = layers.getContainer().querySelector(".leaflet-control-layers-toggle");
      if (toggle) { toggle.setAttribute("aria-label", "Map layers: cameras and council areas"); }
    });
    map.on("moveend", function () { refresh(); writeHash(); });
    map.on("overlayadd", function (event) { if (event.layer === cameraLayer) { refresh(); } });
  }
  addLocateButton();
  if (!data.borough) { readHash(); }
  boroughsLoaded.then(refresh, refresh);
})();
