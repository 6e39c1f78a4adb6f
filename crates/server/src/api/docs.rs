//! `GET /openapi.json` (the OpenAPI 3.1 document generated from the handlers' annotations)
//! and `/docs`, Swagger UI served from the binary (vendored: no external assets).

use axum::Router;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use super::{health, metrics, models, movies, predict, ratings, recommend, users};
use crate::state::AppState;

struct KeyScheme;

impl Modify for KeyScheme {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let c = api.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("x-api-key"))),
        );
    }
}

/// The OpenAPI description of the whole API.
#[derive(OpenApi)]
#[openapi(
    info(title = "cinerec", description = "Movie recommendations: catalogue, predictions, live ratings, model registry."),
    paths(
        health::health,
        movies::list, movies::get_one, movies::similar, movies::popular,
        predict::predict,
        recommend::for_user, recommend::anonymous,
        users::create, users::ratings,
        ratings::post, ratings::delete,
        models::list, models::activate,
        metrics::metrics,
    ),
    components(schemas(crate::error::MovieRef, cinerec_engine::query::Method)),
    modifiers(&KeyScheme),
)]
pub struct ApiDoc;

/// `/openapi.json` and the `/docs` page. The page's online spec validator is off: Swagger UI
/// would otherwise load a badge from validator.swagger.io when served from a non-local host.
pub fn routes() -> Router<AppState> {
    Router::new().merge(
        SwaggerUi::new("/docs")
            .url("/openapi.json", ApiDoc::openapi())
            .config(utoipa_swagger_ui::Config::default().validator_url("none")),
    )
}
