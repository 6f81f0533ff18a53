/* Postcode boxes ([data-postcode-search]): find a London postcode and centre a map on it.
 *
 * Suggestions come from /api/postcodes?q= into the box's <datalist>; Enter, the Find
 * button or picking a suggestion looks the postcode up and moves the map to street zoom.
 * It only moves the map: it never places or moves a pin, so on the submit page the
 * resident still marks the camera itself. Text from the server is set with textContent.
 */
(function () {
  "use strict";

  var STREET_ZOOM = 17;
  var SUGGEST_DELAY_MS = 200;

  function getJson(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json()
          .catch(function () { return {}; })
          .then(function (body) { return { status: response.status, body: body }; });
      });
  }

  function setUp(box) {
    var mapElement = document.getElementById(box.dataset.map);
    var map = mapElement && window.Hikwatch && Hikwatch.mapFor ? Hikwatch.mapFor(mapElement) : null;
    if (!map) { return; }  // no map on this page (Leaflet did not load): nothing to move
    var input = box.querySelector("input");
    var findButton = box.querySelector("button");
    var suggestions = document.getElementById(input.getAttribute("list"));
    var status = box.querySelector('[role="status"]');
    var timer = null;
    var suggestTicket = 0;
    var findTicket = 0;
    var lastQuery = "";

    box.hidden = false;

    function say(text, isError) {
      status.textContent = text;
      status.classList.toggle("postcode-status-error", Boolean(isError));
      if (isError) {
        input.setAttribute("aria-invalid", "true");
      } else {
        input.removeAttribute("aria-invalid");
      }
    }

    function find() {
      var typed = input.value.trim();
      window.clearTimeout(timer);
      if (!typed) {
        say("Type a postcode, such as SW1A 1AA.", true);
        input.focus();
        return;
      }
      var ticket = ++findTicket;
      say("Looking up " + typed.toUpperCase() + "…");
      getJson(box.dataset.lookupUrl.replace("{postcode}", encodeURIComponent(typed)))
        .then(function (result) {
          if (ticket !== findTicket) { return; }
          if (result.status !== 200) {
            say(result.body.error || "That postcode could not be looked up.", true);
            return;
          }
          var place = result.body;
          map.setView([place.lat, place.lon], STREET_ZOOM);
          input.value = place.postcode;
          var area = place.borough ? " (" + place.borough.name + ")" : "";
          var next = box.dataset.nextStep ? " " + box.dataset.nextStep : "";
          say("Map moved to " + place.postcode + area + "." + next);
        })
        .catch(function () {
          if (ticket === findTicket) {
            say("The postcode could not be looked up: check your connection.", true);
          }
        });
    }

    function suggest() {
      var typed = input.value.trim();
      if (typed.replace(/\s+/g, "").length < 2 || typed === lastQuery) { return; }
      lastQuery = typed;
      var ticket = ++suggestTicket;
      getJson(box.dataset.searchUrl + "?q=" + encodeURIComponent(typed))
        .then(function (result) {
          if (ticket !== suggestTicket || result.status !== 200) { return; }
          while (suggestions.firstChild) { suggestions.removeChild(suggestions.firstChild); }
          result.body.postcodes.forEach(function (place) {
            var option = document.createElement("option");
            option.value = place.postcode;
            if (place.borough) { option.label = place.borough.name; }
            suggestions.appendChild(option);
          });
        })
        .catch(function () { /* suggestions are a help, not a step: stay quiet */ });
    }

    function isSuggested(value) {
      var wanted = value.trim().toUpperCase();
      return Array.prototype.some.call(suggestions.options, function (option) {
        return option.value === wanted;
      });
    }

    input.addEventListener("input", function (event) {
      if (input.getAttribute("aria-invalid")) { say(""); }
      // A suggestion was picked (no keystroke, or a replacement of the whole text).
      if ((!event.inputType || event.inputType === "insertReplacementText") && isSuggested(input.value)) {
        find();
        return;
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(suggest, SUGGEST_DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        // Inside the report form, Enter would send the report: here it means "find".
        event.preventDefault();
        find();
      }
    });
    findButton.addEventListener("click", find);
  }

  document.querySelectorAll("[data-postcode-search]").forEach(setUp);
})();
