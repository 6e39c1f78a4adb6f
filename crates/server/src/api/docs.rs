//! `GET /openapi.json` (the OpenAPI 3.1 document: the paths of the route table, described by
//! the handlers' annotations, completed with the live bounds and statuses by
//! [`super::contract`]) and `/docs`, Swagger UI served from the binary (vendored: no
//! external assets).

use axum::extract::State;
use axum::response::IntoResponse;
use axum::Router;
use std::sync::LazyLock;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use super::contract::{self, Facts};
use super::routes::TablePaths;
use crate::state::AppState;

/// Declares the `api_key` security scheme the write endpoints name.
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

/// What the document says besides the paths: title, shared schemas, security.
#[derive(OpenApi)]
#[openapi(
    info(title = "cinerec", description = "Movie recommendations: catalogue, predictions, live ratings, model registry."),
    components(schemas(crate::error::MovieRef, cinerec_engine::query::Method)),
    modifiers(&KeyScheme),
)]
struct ApiDoc;

/// The OpenAPI description of the whole API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi().merge_from(TablePaths::openapi())
}

static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(openapi);

/// What the live document's bounds are now: the configuration's count cap, the serving
/// catalogue's vocabularies and rating scale.
pub fn facts(state: &AppState) -> Facts {
    let s = state.serving();
    let cat = s.data.catalog();
    let (genders, occupations) = cinerec_core::demographics::vocabulary(cat);
    Facts {
        max_results: state.config().max_results,
        genres: cat.genre_names.clone(),
        genders: genders.into_iter().map(String::from).collect(),
        occupations: occupations.into_iter().map(String::from).collect(),
        scale: s.data.rating_scale(),
        body_limit: state.config().body_limit,
        write_rate: (state.config().write_rate, state.config().write_burst),
        timeout_secs: state.config().request_timeout_secs,
    }
}

/// This document, with the bounds the running server enforces.
#[utoipa::path(get, path = "/openapi.json", tag = "docs",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn openapi_json(State(state): State<AppState>) -> impl IntoResponse {
    axum::Json(contract::document(&DOCUMENT, &facts(&state)))
}

/// The `/docs` page, reading `/openapi.json`. Its online spec validator is off: Swagger UI
/// would otherwise load a badge from validator.swagger.io when served from a non-local host.
pub fn page() -> Router<AppState> {
    let config = utoipa_swagger_ui::Config::new(["/openapi.json"]).validator_url("none");
    Router::new().merge(SwaggerUi::new("/docs").config(config))
}
