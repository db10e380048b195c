// Starts Swagger UI on the gateway's schema (served as /api/docs/docs.js by gateway/docs.c).
// persistAuthorization keeps the token given to "Authorize" across reloads, so the bearer
// routes (orders, ETL) can be tried after signing in with POST /api/v1/auth/token/.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: new URL("../schema/", window.location.href).href,
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    displayRequestDuration: true,
    tryItOutEnabled: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout"
  });
});
