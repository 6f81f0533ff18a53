/* Submission page: upload the photo at once, place the pin, show the council area, send JSON.
 * Without JavaScript the same form posts the photo and typed coordinates to /submit. */
(function () {
  "use strict";

  var form = document.getElementById("submit-form");
  if (!form) { return; }

  var el = {
    uploadId: form.querySelector('input[name="upload_id"]'),
    fileInputs: form.querySelectorAll('input[type="file"]'),
    progressBox: document.getElementById("upload-progress"),
    progress: document.getElementById("upload-bar"),
    photoStatus: document.getElementById("photo-status"),
    preview: document.getElementById("photo-preview"),
    mapBox: document.getElementById("submit-map"),
    myLocation: document.getElementById("use-my-location"),
    lat: document.getElementById("lat"),
    lon: document.getElementById("lon"),
    source: document.getElementById("location_source"),
    accuracy: document.getElementById("accuracy_m"),
    seenOn: document.getElementById("seen_on"),
    borough: document.getElementById("borough-result"),
    errors: document.getElementById("form-errors"),
    submit: document.getElementById("submit-button"),
    thanks: document.getElementById("thanks"),
    thanksReference: document.getElementById("thanks-reference"),
    thanksTrack: document.getElementById("thanks-track"),
    thanksReply: document.getElementById("thanks-reply")
  };

  var state = { uploading: false, insideLondon: false, locateRequest: 0, locating: null };
  var map = null;
  var marker = null;

  form.classList.add("js");

  /* ---------- messages ---------- */

  function showError(message, fieldName) {
    el.errors.textContent = message;
    el.errors.hidden = false;
    clearFieldErrors();
    if (fieldName) {
      var box = document.getElementById(fieldName + "-error");
      if (box) {
        box.textContent = message;
        box.closest(".field").classList.add("has-error");
        var input = document.getElementById(fieldName);
        if (input && input.type !== "hidden") { input.focus(); return; }
      }
    }
    el.errors.scrollIntoView({ block: "center" });
  }

  function clearErrors() {
    el.errors.hidden = true;
    el.errors.textContent = "";
    clearFieldErrors();
  }

  function clearFieldErrors() {
    form.querySelectorAll(".field.has-error").forEach(function (field) {
      field.classList.remove("has-error");
      var box = field.querySelector(".field-error");
      if (box) { box.textContent = ""; }
    });
  }

  /* ---------- photo upload ---------- */

  function upload(file) {
    clearErrors();
    state.uploading = true;
    el.uploadId.value = "";
    el.progress.value = 0;
    el.progress.textContent = "0%";
    el.progressBox.hidden = false;
    el.photoStatus.textContent = "Uploading your photo…";
    el.submit.disabled = true;

    var data = new FormData();
    data.append("photo", file);
    var request = new XMLHttpRequest();
    request.open("POST", form.dataset.uploadUrl);
    request.setRequestHeader("X-CSRFToken", Hikwatch.csrfToken());
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) {
        var percent = Math.round((event.loaded / event.total) * 100);
        el.progress.value = percent;
        el.progress.textContent = percent + "%";
      }
    });
    request.addEventListener("load", function () {
      var body = parseJson(request.responseText);
      finishUpload();
      if (request.status === 201 && body) {
        uploaded(body);
      } else {
        var message = (body && body.error) || "The upload failed (" + request.status + ").";
        el.photoStatus.textContent = message;
        showError(message);
      }
    });
    request.addEventListener("error", function () {
      finishUpload();
      var message = "The upload failed: check your connection and try again.";
      el.photoStatus.textContent = message;
      showError(message);
    });
    request.send(data);
  }

  function finishUpload() {
    state.uploading = false;
    el.submit.disabled = false;
    el.progress.value = 100;
    el.progressBox.hidden = true;
  }

  function uploaded(body) {
    el.uploadId.value = body.upload_id;
    el.preview.src = body.preview_url;
    el.preview.hidden = false;
    if (body.taken_at && el.seenOn && !el.seenOn.value) {
      el.seenOn.value = body.taken_at.slice(0, 10);
    }
    if (body.location) {
      el.photoStatus.textContent = "Photo uploaded. It has a GPS position: check the pin is on the camera.";
      setPin(body.location.lat, body.location.lon, "exif", null);
    } else {
      el.photoStatus.textContent = "Photo uploaded. It has no GPS position: use your location, tap the map or type the coordinates.";
      if (el.myLocation && !el.myLocation.hidden) { el.myLocation.focus(); }
    }
  }

  function parseJson(text) {
    try { return JSON.parse(text); } catch (e) { return null; }
  }

  el.fileInputs.forEach(function (input) {
    input.addEventListener("change", function () {
      if (input.files && input.files[0]) { upload(input.files[0]); }
    });
  });

  /* ---------- location ---------- */

  function setMapView(lat, lon) {
    if (!map) { return; }
    var latlng = L.latLng(lat, lon);
    if (!marker) {
      marker = L.marker(latlng, { draggable: true, autoPan: true, title: "Camera location", alt: "Camera location pin" });
      marker.addTo(map);
      marker.on("dragend", function () {
        var position = marker.getLatLng();
        setPin(position.lat, position.lng, "map", null);
      });
    } else {
      marker.setLatLng(latlng);
    }
    map.setView(latlng, Math.max(map.getZoom(), 17));
  }

  function setPin(lat, lon, source, accuracy) {
    if (source !== "typed") {
      el.lat.value = lat.toFixed(6);
      el.lon.value = lon.toFixed(6);
    }
    el.source.value = source;
    el.accuracy.value = accuracy == null ? "" : String(Math.round(accuracy));
    setMapView(lat, lon);
    locate(lat, lon);
  }

  function locate(lat, lon) {
    var ticket = ++state.locateRequest;
    state.insideLondon = false;
    el.borough.textContent = "Finding the council area…";
    el.borough.className = "borough-result";
    var url = form.dataset.locateUrl + "?lat=" + encodeURIComponent(lat) + "&lon=" + encodeURIComponent(lon);
    state.locating = fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (body) { return { status: response.status, body: body }; });
      })
      .then(function (result) {
        if (ticket !== state.locateRequest) { return; }
        if (result.status === 200) {
          state.insideLondon = true;
          el.borough.textContent = "Council area: " + result.body.name;
          el.borough.className = "borough-result borough-inside";
        } else if (result.status === 404) {
          el.borough.textContent = "Outside London: Hikwatch covers the 33 London council areas only. Move the pin to the camera.";
          el.borough.className = "borough-result borough-outside";
        } else {
          el.borough.textContent = result.body.error || "Those coordinates are not valid.";
          el.borough.className = "borough-result borough-outside";
        }
      })
      .catch(function () {
        if (ticket === state.locateRequest) {
          el.borough.textContent = "Could not check the council area: check your connection.";
        }
      })
      .then(function () {
        if (ticket === state.locateRequest) { state.locating = null; }
      });
  }

  function typedCoordinatesChanged() {
    var lat = parseFloat(el.lat.value);
    var lon = parseFloat(el.lon.value);
    if (isFinite(lat) && isFinite(lon)) {
      setPin(lat, lon, "typed", null);
    }
  }
  el.lat.addEventListener("change", typedCoordinatesChanged);
  el.lon.addEventListener("change", typedCoordinatesChanged);

  if (navigator.geolocation && el.myLocation) {
    el.myLocation.hidden = false;
    el.myLocation.addEventListener("click", function () {
      el.borough.textContent = "Asking your phone for its location…";
      navigator.geolocation.getCurrentPosition(
        function (position) {
          setPin(position.coords.latitude, position.coords.longitude, "device", position.coords.accuracy);
        },
        function (error) {
          el.borough.textContent = error.code === 1
            ? "Location permission was refused: tap the map or type the coordinates instead."
            : "Your location could not be found: tap the map or type the coordinates instead.";
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 }
      );
    });
  }

  if (window.L && el.mapBox) {
    el.mapBox.hidden = false;
    map = Hikwatch.createMap(el.mapBox, form);
    map.on("click", function (event) {
      setPin(event.latlng.lat, event.latlng.lng, "map", null);
    });
  }

  // A page that starts with a position (a fresh photo of a known camera, or a form sent
  // back with an error) shows its pin and council area at once.
  if (el.lat.value && el.lon.value) {
    var startLat = parseFloat(el.lat.value);
    var startLon = parseFloat(el.lon.value);
    if (isFinite(startLat) && isFinite(startLon)) {
      setPin(startLat, startLon, el.source.value || "typed", null);
    }
  }

  /* ---------- submit ---------- */

  function fieldsAsJson() {
    var payload = {};
    new FormData(form).forEach(function (value, name) {
      if (name === "csrf_token" || name === "photo" || value === "") { return; }
      payload[name] = value;
    });
    ["lat", "lon", "accuracy_m"].forEach(function (name) {
      if (payload[name] !== undefined) { payload[name] = Number(payload[name]); }
    });
    if (payload.direction !== undefined) { payload.direction = Number(payload.direction); }
    return payload;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (state.locating) {
      // Enter (a phone's Go key) in a coordinate field submits just as its council-area
      // check starts: send once the check answers instead of calling the pin outside London.
      el.submit.disabled = true;
      state.locating.then(function () {
        el.submit.disabled = state.uploading;
        form.dispatchEvent(new Event("submit", { cancelable: true }));
      });
      return;
    }
    clearErrors();
    if (state.uploading) { showError("Wait for the photo to finish uploading."); return; }
    if (!el.uploadId.value) {
      showError("Add a photo of the camera first.");
      el.fileInputs[0].focus();
      return;
    }
    if (!el.lat.value || !el.lon.value) {
      showError("Set the camera's location: use your location, tap the map or type coordinates.", "lat");
      return;
    }
    if (!state.insideLondon) {
      showError("The pin is outside the 33 London council areas, or still being checked. Move it onto the camera.", "lat");
      return;
    }
    el.submit.disabled = true;
    el.submit.textContent = "Sending…";
    fetch(form.dataset.submitUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": Hikwatch.csrfToken()
      },
      body: JSON.stringify(fieldsAsJson())
    })
      .then(function (response) {
        return response.json().then(function (body) { return { status: response.status, body: body }; });
      })
      .then(function (result) {
        if (result.status === 201) {
          form.hidden = true;
          el.thanksReference.textContent = result.body.reference;
          el.thanksTrack.href = result.body.track_url;
          el.thanksReply.href = result.body.reply_url;
          el.thanksReply.textContent = result.body.reply_url;
          el.thanks.hidden = false;
          el.thanks.focus();
        } else {
          showError(result.body.error || "The report could not be sent.", result.body.field);
        }
      })
      .catch(function () {
        showError("The report could not be sent: check your connection and try again.");
      })
      .finally(function () {
        el.submit.disabled = false;
        el.submit.textContent = "Send report";
      });
  });
})();
