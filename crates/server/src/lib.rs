//! # cinerec-server
//!
//! cinerec's REST API (`cinerec serve`): axum handlers, one module per resource under
//! [`api`], answering through `cinerec_engine::query`; the precomputed catalogue [`index`];
//! live ratings posted since training ([`live`]); movies added while running ([`catalog`]); the swappable serving snapshot
//! ([`state`]); start-up, seeding and model loading ([`boot`]); configuration
//! ([`config`]); rate limit, timeouts and the store outage watch ([`harden`]); guarded background retraining ([`retrain`]); Prometheus metrics
//! ([`metrics`]); the one error type ([`error`]); the web UI's static files ([`ui`]); and
//! the idle spinner that keeps latency low ([`spin`]); following the other replicas of a
//! PostgreSQL store ([`replica`]).

pub mod api;
pub mod boot;
pub mod catalog;
pub mod config;
pub mod error;
pub mod harden;
pub mod index;
pub mod live;
pub mod metrics;
pub mod replica;
pub mod retrain;
pub mod search;
pub mod spin;
pub mod state;
pub mod ui;

pub use api::router;
pub use config::ServerConfig;
pub use error::ServerError;
pub use state::AppState;

/// Sets up the `tracing` subscriber (text or JSON lines; `RUST_LOG` overrides the level).
pub fn init_logging(cfg: &ServerConfig) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if cfg.log_format == "json" {
        b.json().try_init()
    } else {
        b.try_init()
    };
}

/// Binds the configured address and serves `state` until Ctrl-C (graceful shutdown).
pub async fn run(state: AppState) -> std::io::Result<()> {
    let addr = state
        .config()
        .addr()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    spin::start(state.config().idle_spin_ms);
    retrain::spawn(&state);
    if state.config().catalog_sync_secs > 0 {
        let every = std::time::Duration::from_secs(state.config().catalog_sync_secs);
        tokio::spawn(catalog::sync_loop(state.clone(), every));
    }
    tokio::spawn(replica::run(state.clone()));
    tracing::info!(addr = %listener.local_addr()?, replica = %state.replica().id(), "listening");
    // The peer address is the rate limiter's key (`harden`).
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
