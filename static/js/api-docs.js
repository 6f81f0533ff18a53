// The API description page: Swagger UI (served from static/vendor) reading /api/openapi.json.
// "Try it out" sends this page's CSRF token, so reports can be tried from here as well.
(function () {
  "use strict";
  var root = document.getElementById("api-description");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  var token = document.querySelector('meta[name="csrf-token"]');
  window.SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    // No badge from the public validator service: the page talks to this site only.
    validatorUrl: null,
    defaultModelsExpandDepth: 0,
    requestInterceptor: function (request) {
      if (token) {
        request.headers["X-CSRFToken"] = token.content;
      }
      return request;
    },
  });
})();
