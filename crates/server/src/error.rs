//! The one place where failures become HTTP responses: [`ServerError`] (every handler's
//! error type) maps each case to its status and a JSON body `{"error": …, …}`, and the
//! extractor wrappers [`ApiJson`], [`ApiQuery`] and [`ApiPath`] turn axum's rejections into
//! [`ServerError`]s so that bad input never produces a plain-text answer.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

/// A movie offered as a candidate or a suggestion.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MovieRef {
    /// Raw movie id.
    pub id: String,
    /// Display title, "Title (Year)".
    pub title: String,
}

/// Everything that can go wrong while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// A query or path parameter is malformed or out of range (400).
    #[error("{0}")]
    BadParam(String),
    /// The user id is unknown (404).
    #[error("unknown user `{0}`")]
    UnknownUser(String),
    /// No movie matches; closest titles suggested (404).
    #[error("no movie matches `{query}`")]
    UnknownMovie {
        /// What was asked for.
        query: String,
        /// Closest titles.
        suggestions: Vec<MovieRef>,
    },
    /// A title matches several movies (300).
    #[error("`{query}` matches {} movies; pass an id", candidates.len())]
    Ambiguous {
        /// What was asked for.
        query: String,
        /// The matching movies.
        candidates: Vec<MovieRef>,
    },
    /// Something else that does not exist: a model version, a rating (404).
    #[error("{0}")]
    NotFound(String),
    /// The resource exists already (409).
    #[error("{0}")]
    Conflict(String),
    /// The body is well-formed JSON of the wrong shape or with invalid values (422).
    #[error("{0}")]
    InvalidBody(String),
    /// The body is not JSON at all, or lacks the JSON content type (400 / 415).
    #[error("{message}")]
    BadBody {
        /// Status to answer with.
        status: StatusCode,
        /// Why.
        message: String,
    },
    /// The body is larger than the configured limit (413).
    #[error("request body larger than the configured limit")]
    TooLarge,
    /// A write endpoint was called without the right API key (401).
    #[error("missing or wrong API key (send it in the `x-api-key` header)")]
    Unauthorized,
    /// The model cannot answer this (e.g. similar movies from a popularity model) (400).
    #[error("{0}")]
    Unsupported(String),
    /// The store failed (503, `Retry-After`).
    #[error("store error: {0}")]
    Store(String),
    /// The store is known to be unreachable since an earlier failure; writes are refused at
    /// once until a background probe reaches it again (503, `Retry-After`).
    #[error("the store is unavailable ({0}); reads are answered from memory, retry writes later")]
    StoreDown(String),
    /// This client sent more writes than the configured rate (429, `Retry-After`).
    #[error("too many writes from this client; retry after {retry_after} s")]
    RateLimited {
        /// Seconds until the next write is allowed.
        retry_after: u64,
    },
    /// The request took longer than the configured timeout (503, `Retry-After`). A write
    /// is completed in the background; only its answer was given up.
    #[error("the request took longer than {0} s")]
    Timeout(u64),
    /// Anything else (500).
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServerError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        use ServerError::*;
        match self {
            BadParam(_) | Unsupported(_) => StatusCode::BAD_REQUEST,
            UnknownUser(_) | UnknownMovie { .. } | NotFound(_) => StatusCode::NOT_FOUND,
            Ambiguous { .. } => StatusCode::MULTIPLE_CHOICES,
            Conflict(_) => StatusCode::CONFLICT,
            InvalidBody(_) => StatusCode::UNPROCESSABLE_ENTITY,
            BadBody { status, .. } => *status,
            TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Unauthorized => StatusCode::UNAUTHORIZED,
            Store(_) | StoreDown(_) | Timeout(_) => StatusCode::SERVICE_UNAVAILABLE,
            RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Seconds a client should wait before trying again (the `Retry-After` header and the
    /// body's `retry_after`), for the statuses that are worth retrying.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            ServerError::Store(_) | ServerError::StoreDown(_) => Some(STORE_RETRY_SECS),
            ServerError::Timeout(_) => Some(1),
            ServerError::RateLimited { retry_after } => Some((*retry_after).max(1)),
            _ => None,
        }
    }

    /// The JSON body: always `error` (the message) and `status`, plus details per case.
    pub fn body(&self) -> Value {
        let mut v = json!({ "error": self.to_string(), "status": self.status().as_u16() });
        match self {
            ServerError::UnknownMovie { suggestions, .. } => {
                v["suggestions"] = json!(suggestions);
            }
            ServerError::Ambiguous { candidates, .. } => {
                v["candidates"] = json!(candidates);
            }
            _ => {}
        }
        if let Some(s) = self.retry_after() {
            v["retry_after"] = json!(s);
        }
        v
    }
}

/// `Retry-After` of a store failure: about the interval of the store probe
/// ([`crate::harden`]), after which a store that is back takes writes again.
pub const STORE_RETRY_SECS: u64 = 2;

/// Marks a response that answered a store failure, so that [`crate::harden`] notices the
/// outage (the handler itself does not know the server's state).
#[derive(Debug, Clone)]
pub struct StoreFailed(pub String);

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut r = (status, axum::Json(self.body())).into_response();
        if let Some(s) = self.retry_after() {
            r.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, s.into());
        }
        if let ServerError::Store(e) = &self {
            r.extensions_mut().insert(StoreFailed(e.clone()));
        }
        r
    }
}

impl From<cinerec_core::CoreError> for ServerError {
    fn from(e: cinerec_core::CoreError) -> Self {
        use cinerec_core::CoreError as C;
        match e {
            C::UnknownUser(u) => ServerError::UnknownUser(u),
            C::UnknownItem(i) => ServerError::NotFound(format!("unknown movie {i}")),
            C::Unsupported { .. } | C::ColdItem(_) => ServerError::Unsupported(e.to_string()),
            C::InvalidParam { .. } => ServerError::BadParam(e.to_string()),
            other => ServerError::Internal(other.to_string()),
        }
    }
}

impl From<cinerec_store::StoreError> for ServerError {
    fn from(e: cinerec_store::StoreError) -> Self {
        use cinerec_store::StoreError as S;
        match e {
            S::ModelNotFound(v) => ServerError::NotFound(format!("no model with version {v}")),
            S::Invalid { .. } => ServerError::InvalidBody(e.to_string()),
            // The store refused the write against what it holds (nothing was written): a
            // conflict with the stored data, not an outage.
            S::Constraint { .. } => ServerError::Conflict(e.to_string()),
            e => ServerError::Store(e.to_string()),
        }
    }
}

impl From<cinerec_engine::ModelError> for ServerError {
    fn from(e: cinerec_engine::ModelError) -> Self {
        use cinerec_engine::ModelError as M;
        match e {
            M::Core(c) => c.into(),
            M::UnknownModel { .. } | M::Params { .. } => ServerError::BadParam(e.to_string()),
            e => ServerError::Internal(e.to_string()),
        }
    }
}

impl From<cinerec_engine::EngineError> for ServerError {
    fn from(e: cinerec_engine::EngineError) -> Self {
        use cinerec_engine::EngineError as E;
        match e {
            E::Model(m) => m.into(),
            E::Store(s) => s.into(),
            E::Core(c) => c.into(),
            E::Unservable { .. } => ServerError::Conflict(e.to_string()),
            E::Invalid(_) | E::Empty(_) => ServerError::BadParam(e.to_string()),
            E::NoDataset { .. } | E::NotFound(_) => ServerError::NotFound(e.to_string()),
            e => ServerError::Internal(e.to_string()),
        }
    }
}

impl From<serde_json::Error> for ServerError {
    fn from(e: serde_json::Error) -> Self {
        ServerError::Internal(format!("serialising the response: {e}"))
    }
}

impl From<tokio::task::JoinError> for ServerError {
    fn from(e: tokio::task::JoinError) -> Self {
        ServerError::Internal(format!("background task: {e}"))
    }
}

impl From<JsonRejection> for ServerError {
    fn from(r: JsonRejection) -> Self {
        use JsonRejection::*;
        match r {
            JsonDataError(e) => ServerError::InvalidBody(e.body_text()),
            JsonSyntaxError(e) => ServerError::BadBody {
                status: StatusCode::BAD_REQUEST,
                message: e.body_text(),
            },
            MissingJsonContentType(e) => ServerError::BadBody {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                message: e.body_text(),
            },
            BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ServerError::TooLarge
            }
            other => ServerError::BadBody {
                status: other.status(),
                message: other.body_text(),
            },
        }
    }
}

impl From<QueryRejection> for ServerError {
    fn from(r: QueryRejection) -> Self {
        ServerError::BadParam(r.body_text())
    }
}

impl From<PathRejection> for ServerError {
    fn from(r: PathRejection) -> Self {
        ServerError::BadParam(r.body_text())
    }
}

/// `axum::Json` whose rejection is a [`ServerError`] (422 / 400 / 413 as JSON).
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ServerError))]
pub struct ApiJson<T>(pub T);

/// `axum::extract::Query` whose rejection is a JSON 400.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ServerError))]
pub struct ApiQuery<T>(pub T);

/// `axum::extract::Path` whose rejection is a JSON 400.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ServerError))]
pub struct ApiPath<T>(pub T);

/// Result alias for handlers.
pub type ApiResult<T> = Result<T, ServerError>;
