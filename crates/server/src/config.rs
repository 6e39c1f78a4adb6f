//! Server configuration: one serde struct with defaults, layered default → file (TOML or
//! JSON, by extension) → `CINEREC_*` environment variables, and validated once at load so a
//! bad value stops the server before it binds a port.

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::Path;

pub use crate::retrain::config::RetrainConfig;

/// Everything `cinerec serve` can be told.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to bind (`CINEREC_HOST`).
    pub host: String,
    /// Port to bind (`CINEREC_PORT`); 0 picks a free one.
    pub port: u16,
    /// Store URL (`CINEREC_STORE`): `sqlite://path`, `postgres://…`, `mysql://…`.
    pub store: String,
    /// API key required by write endpoints when set (`CINEREC_API_KEY`). Binding to an
    /// address other than loopback without one is refused unless `insecure` is set.
    pub api_key: Option<String>,
    /// Serve writes without an API key on a non-loopback address (`CINEREC_INSECURE`).
    pub insecure: bool,
    /// Writes each client (by IP address) may make per second, on average
    /// (`CINEREC_WRITE_RATE`; 0 = no limit). Past it a write answers 429 with `Retry-After`.
    pub write_rate: u32,
    /// Writes a client may make at once before [`Self::write_rate`] applies
    /// (`CINEREC_WRITE_BURST`).
    pub write_burst: u32,
    /// Seconds a request may take before it is answered 503 with `Retry-After`
    /// (`CINEREC_REQUEST_TIMEOUT`; 0 = none). A write is never cut midway: it completes in
    /// the background and only its answer is given up.
    pub request_timeout_secs: u64,
    /// Origins allowed by CORS (`CINEREC_CORS_ORIGINS`, comma-separated); `["*"]` = any,
    /// empty = no CORS headers.
    pub cors_origins: Vec<String>,
    /// Largest request body accepted, in bytes (`CINEREC_BODY_LIMIT`).
    pub body_limit: usize,
    /// Largest `top_n` / `n` / `limit` a request may ask for (`CINEREC_MAX_RESULTS`).
    pub max_results: usize,
    /// Log format: `text` or `json` (`CINEREC_LOG_FORMAT`).
    pub log_format: String,
    /// Log each request (method, route, status, latency) at info level (`CINEREC_REQUEST_LOG`).
    pub request_log: bool,
    /// Folder where models trained by the server are written (`CINEREC_MODELS_DIR`).
    pub models_dir: String,
    /// The experiment history `GET /runs` reads (`CINEREC_RUNS_DIR`; what `cinerec train`,
    /// `eval` and `pipeline run` record into).
    pub runs_dir: String,
    /// Keep one lowest-priority thread spinning for this many milliseconds after each
    /// request, so the CPU does not halt between requests (`CINEREC_IDLE_SPIN_MS`; 0 = off).
    /// See [`crate::spin`] for why (idle wake-ups of virtual CPUs) and what was measured.
    pub idle_spin_ms: u64,
    /// Guarded background retraining (see [`crate::retrain`]); off unless `after` or `every`
    /// is set.
    pub retrain: RetrainConfig,
    /// Check the store for movies added by another process (`cinerec import`) every this many
    /// seconds and bring them into the live catalogue (`CINEREC_CATALOG_SYNC_SECS`; 0 = off).
    pub catalog_sync_secs: u64,
    /// This server's name among the replicas of one PostgreSQL store (`CINEREC_REPLICA_ID`;
    /// empty = `<hostname>-<pid>`), shown by `/health` (see [`crate::replica`]).
    pub replica_id: String,
    /// On PostgreSQL, read the store's change stream at least every this many milliseconds
    /// even without a notification (`CINEREC_REPLICA_POLL_MS`; 0 = follow no other replica).
    pub replica_poll_ms: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            host: "127.0.0.1".into(),
            port: 8000,
            store: "sqlite://cinerec.db".into(),
            api_key: None,
            insecure: false,
            write_rate: 50,
            write_burst: 200,
            request_timeout_secs: 30,
            cors_origins: vec![],
            body_limit: 1 << 20,
            max_results: 1000,
            log_format: "text".into(),
            request_log: true,
            models_dir: "models".into(),
            runs_dir: "runs/history".into(),
            idle_spin_ms: 5,
            retrain: RetrainConfig::default(),
            catalog_sync_secs: 10,
            replica_id: String::new(),
            replica_poll_ms: 1000,
        }
    }
}

/// A configuration that could not be read or is invalid.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

impl ServerConfig {
    /// Defaults, then `file` if given, then the environment; validated.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let c = Self::layered(file)?;
        c.validate()?;
        Ok(c)
    }

    /// Defaults, then `file` if given, then the environment, not yet validated: for a caller
    /// that lays its own flags over them and then calls [`Self::validate`].
    pub fn layered(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut c = match file {
            Some(p) => Self::from_file(p)?,
            None => Self::default(),
        };
        c.apply_env(|k| std::env::var(k).ok())?;
        Ok(c)
    }

    /// Reads a TOML (`.toml`) or JSON (anything else) file over the defaults.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
        let toml = path.extension().is_some_and(|e| e == "toml");
        let parsed = if toml {
            toml::from_str(&text).map_err(|e| e.to_string())
        } else {
            serde_json::from_str(&text).map_err(|e| e.to_string())
        };
        parsed.map_err(|e| ConfigError(format!("{}: {e}", path.display())))
    }

    /// Overrides fields from `CINEREC_*` variables read through `get`.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn num<T: std::str::FromStr>(k: &str, v: &str) -> Result<T, ConfigError> {
            v.trim()
                .parse()
                .map_err(|_| ConfigError(format!("{k}={v:?} is not a valid number")))
        }
        fn flag(k: &str, v: &str) -> Result<bool, ConfigError> {
            match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Ok(true),
                "0" | "false" | "no" | "off" => Ok(false),
                _ => Err(ConfigError(format!("{k}={v:?} is not a boolean"))),
            }
        }
        if let Some(v) = get("CINEREC_HOST") {
            self.host = v;
        }
        if let Some(v) = get("CINEREC_PORT") {
            self.port = num("CINEREC_PORT", &v)?;
        }
        if let Some(v) = get("CINEREC_STORE") {
            self.store = v;
        }
        if let Some(v) = get("CINEREC_API_KEY") {
            self.api_key = (!v.is_empty()).then_some(v);
        }
        if let Some(v) = get("CINEREC_INSECURE") {
            self.insecure = flag("CINEREC_INSECURE", &v)?;
        }
        if let Some(v) = get("CINEREC_WRITE_RATE") {
            self.write_rate = num("CINEREC_WRITE_RATE", &v)?;
        }
        if let Some(v) = get("CINEREC_WRITE_BURST") {
            self.write_burst = num("CINEREC_WRITE_BURST", &v)?;
        }
        if let Some(v) = get("CINEREC_REQUEST_TIMEOUT") {
            self.request_timeout_secs = num("CINEREC_REQUEST_TIMEOUT", &v)?;
        }
        if let Some(v) = get("CINEREC_CORS_ORIGINS") {
            self.cors_origins = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
        }
        if let Some(v) = get("CINEREC_BODY_LIMIT") {
            self.body_limit = num("CINEREC_BODY_LIMIT", &v)?;
        }
        if let Some(v) = get("CINEREC_MAX_RESULTS") {
            self.max_results = num("CINEREC_MAX_RESULTS", &v)?;
        }
        if let Some(v) = get("CINEREC_LOG_FORMAT") {
            self.log_format = v;
        }
        if let Some(v) = get("CINEREC_REQUEST_LOG") {
            self.request_log = flag("CINEREC_REQUEST_LOG", &v)?;
        }
        if let Some(v) = get("CINEREC_MODELS_DIR") {
            self.models_dir = v;
        }
        if let Some(v) = get("CINEREC_RUNS_DIR") {
            self.runs_dir = v;
        }
        if let Some(v) = get("CINEREC_IDLE_SPIN_MS") {
            self.idle_spin_ms = num("CINEREC_IDLE_SPIN_MS", &v)?;
        }
        self.retrain.apply_env(&get)?;
        if let Some(v) = get("CINEREC_CATALOG_SYNC_SECS") {
            self.catalog_sync_secs = num("CINEREC_CATALOG_SYNC_SECS", &v)?;
        }
        if let Some(v) = get("CINEREC_REPLICA_ID") {
            self.replica_id = v;
        }
        if let Some(v) = get("CINEREC_REPLICA_POLL_MS") {
            self.replica_poll_ms = num("CINEREC_REPLICA_POLL_MS", &v)?;
        }
        Ok(())
    }

    /// Checks every field; the message names the bad one. Also refuses to expose writes
    /// without a key: a non-loopback `host` needs `api_key` or `insecure`.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let addr = self.addr()?;
        if !addr.ip().is_loopback() && self.api_key.is_none() && !self.insecure {
            return Err(ConfigError(format!(
                "host {} is reachable from other machines and no api_key is set: anyone could \
                 write ratings and activate models. Set an API key (--api-key, CINEREC_API_KEY) \
                 or pass --insecure (CINEREC_INSECURE=1) to serve writes to anyone",
                self.host
            )));
        }
        if self.write_rate > 0 && self.write_burst == 0 {
            return Err(ConfigError(
                "write_burst must be at least 1 when write_rate is set".into(),
            ));
        }
        if self.request_timeout_secs > 3600 {
            return Err(ConfigError(format!(
                "request_timeout_secs {} is more than an hour (0 turns the timeout off)",
                self.request_timeout_secs
            )));
        }
        if self.body_limit < 64 {
            return Err(ConfigError(format!(
                "body_limit {} is too small (at least 64 bytes)",
                self.body_limit
            )));
        }
        if self.idle_spin_ms > 60_000 {
            return Err(ConfigError(format!(
                "idle_spin_ms {} is more than a minute (0 turns the spinner off)",
                self.idle_spin_ms
            )));
        }
        if self.replica_id.chars().count() > 40 || self.replica_id.chars().any(char::is_control) {
            return Err(ConfigError(format!(
                "replica_id {:?} must be at most 40 characters without control characters",
                self.replica_id
            )));
        }
        if self.replica_poll_ms > 600_000 {
            return Err(ConfigError(format!(
                "replica_poll_ms {} is more than ten minutes (0 turns following off)",
                self.replica_poll_ms
            )));
        }
        if self.max_results == 0 {
            return Err(ConfigError("max_results must be at least 1".into()));
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err(ConfigError(format!(
                "log_format {:?} must be `text` or `json`",
                self.log_format
            )));
        }
        if ![
            "sqlite:",
            "postgres:",
            "postgresql:",
            "mysql:",
            "mariadb:",
            "memory:",
        ]
        .iter()
        .any(|p| self.store.starts_with(p))
        {
            return Err(ConfigError(format!(
                "store {:?} must start with sqlite://, postgres://, mysql:// or memory:",
                self.store
            )));
        }
        for o in &self.cors_origins {
            if o != "*" && axum::http::HeaderValue::from_str(o).is_err() {
                return Err(ConfigError(format!(
                    "cors origin {o:?} is not a valid header value"
                )));
            }
        }
        if self.api_key.as_deref().is_some_and(|k| k.len() < 8) {
            return Err(ConfigError("api_key must be at least 8 characters".into()));
        }
        self.retrain.validate()
    }

    /// The socket address to bind.
    pub fn addr(&self) -> Result<SocketAddr, ConfigError> {
        format!("{}:{}", self.host, self.port)
            .parse()
            .or_else(|_| format!("[{}]:{}", self.host, self.port).parse())
            .map_err(|_| ConfigError(format!("host {:?} is not an IP address", self.host)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_file_and_validation_names_the_field() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "port = 9000\ncors_origins = [\"http://a.example\"]\n").unwrap();
        let mut c = ServerConfig::from_file(&p).unwrap();
        assert_eq!(c.port, 9000);
        assert_eq!(c.body_limit, ServerConfig::default().body_limit);
        c.apply_env(|k| (k == "CINEREC_PORT").then(|| "9100".to_string()))
            .unwrap();
        assert_eq!(c.port, 9100);
        assert!(c
            .apply_env(|k| (k == "CINEREC_PORT").then(|| "x".to_string()))
            .is_err());
        c.log_format = "xml".into();
        assert!(c.validate().unwrap_err().to_string().contains("log_format"));
        c.log_format = "text".into();
        c.host = "0.0.0.0".into();
        let e = c.validate().unwrap_err().to_string();
        assert!(e.contains("api_key") && e.contains("--insecure"), "{e}");
        c.apply_env(|k| (k == "CINEREC_INSECURE").then(|| "1".to_string()))
            .unwrap();
        c.validate().unwrap();
        c.insecure = false;
        c.api_key = Some("secret-key-1".into());
        c.validate().unwrap();
        c.apply_env(|k| (k == "CINEREC_WRITE_RATE").then(|| "7".to_string()))
            .unwrap();
        assert_eq!(c.write_rate, 7);
        std::fs::write(&p, "prot = 1\n").unwrap();
        assert!(ServerConfig::from_file(&p).is_err());
        let j = dir.path().join("c.json");
        std::fs::write(&j, r#"{"api_key": "secret-key-1"}"#).unwrap();
        assert_eq!(
            ServerConfig::from_file(&j).unwrap().api_key.as_deref(),
            Some("secret-key-1")
        );
    }
}
