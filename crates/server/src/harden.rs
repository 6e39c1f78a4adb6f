//! What keeps the server standing when clients or the store misbehave (issue #17, point 5
//! and the store outage of point 3): the per-client write rate limit, request timeouts, and
//! the store outage watch.
//!
//! - **Rate limit**: writes are counted per client IP address with `governor`'s keyed GCRA
//!   limiter (`write_rate` per second, bursts of `write_burst`); past it a write answers 429
//!   with `Retry-After`. Reads are not limited.
//! - **Timeouts**: a read that takes longer than `request_timeout_secs` is dropped and
//!   answered 503; a write runs in its own task, so that a slow write is never cut between
//!   the store and the live overlay: it completes, and only its answer is given up.
//! - **Store outage**: a response that answered a store failure, or a `/health` whose ping
//!   fails, marks the store down. While it is down, writes are refused at once (503 with
//!   `Retry-After`) instead of each waiting for the pool's connect timeout, reads keep
//!   answering from memory, `/health` says `degraded`, and a background probe pings the
//!   store every second; when it answers, writes go through again — no restart.
//!
//! The statuses themselves are [`ServerError`]'s (`error.rs`); the OpenAPI document lists
//! them ([`crate::api::contract`]).

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::error::{ServerError, StoreFailed};
use crate::state::AppState;
use crate::ServerConfig;

/// Clients remembered by the rate limiter before idle ones are forgotten.
const LIMITER_KEYS: usize = 10_000;
/// How long a store ping may take before the store counts as down.
const PING_TIMEOUT: Duration = Duration::from_secs(2);
/// Interval of the probe while the store is down.
const PROBE_EVERY: Duration = Duration::from_secs(1);

/// The hardening state of one server: the write limiter and the store outage watch.
#[derive(Debug)]
pub struct Harden {
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    timeout: Option<Duration>,
    outage: Arc<Outage>,
}

/// Whether the store is known to be down, and why.
#[derive(Debug, Default)]
struct Outage {
    down: AtomicBool,
    probing: AtomicBool,
    reason: Mutex<String>,
}

impl Harden {
    /// From the configuration's `write_rate`, `write_burst` and `request_timeout_secs`.
    pub fn new(cfg: &ServerConfig) -> Self {
        let limiter = NonZeroU32::new(cfg.write_rate).map(|rate| {
            let burst = NonZeroU32::new(cfg.write_burst).unwrap_or(rate);
            RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        Harden {
            limiter,
            timeout: (cfg.request_timeout_secs > 0)
                .then(|| Duration::from_secs(cfg.request_timeout_secs)),
            outage: Arc::default(),
        }
    }

    /// `Some(why)` while the store is known to be down.
    pub fn store_down(&self) -> Option<String> {
        self.outage.down.load(Ordering::Acquire).then(|| {
            self.outage
                .reason
                .lock()
                .map(|r| r.clone())
                .unwrap_or_default()
        })
    }

    /// Takes one write of `client` from its allowance; the seconds to wait when none is left.
    fn take_write(&self, client: IpAddr) -> Result<(), u64> {
        let Some(l) = &self.limiter else {
            return Ok(());
        };
        if l.len() > LIMITER_KEYS {
            l.retain_recent();
        }
        l.check_key(&client).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

/// Marks the store down (with `reason`) and starts the probe that brings it back.
pub fn mark_store_down(state: &AppState, reason: &str) {
    let o = state.harden().outage.clone();
    if let Ok(mut r) = o.reason.lock() {
        *r = reason.to_string();
    }
    if !o.down.swap(true, Ordering::AcqRel) {
        tracing::warn!(
            reason,
            "the store is unavailable: writes answer 503 until it is back"
        );
    }
    if o.probing.swap(true, Ordering::AcqRel) {
        return;
    }
    let store = state.store().clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(PROBE_EVERY).await;
            if ping(store.as_ref()).await.is_ok() {
                o.down.store(false, Ordering::Release);
                o.probing.store(false, Ordering::Release);
                tracing::info!("the store answers again: writes are accepted");
                return;
            }
        }
    });
}

/// One cheap query, bounded by [`PING_TIMEOUT`].
async fn ping(store: &dyn cinerec_store::Store) -> Result<(), String> {
    match tokio::time::timeout(PING_TIMEOUT, store.schema_version()).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {} s", PING_TIMEOUT.as_secs())),
    }
}

/// Pings the store now (for `/health`); a failure marks it down. `Some(why)` when down.
pub async fn check_store(state: &AppState) -> Option<String> {
    if let Some(why) = state.harden().store_down() {
        return Some(why);
    }
    match ping(state.store().as_ref()).await {
        Ok(()) => None,
        Err(e) => {
            mark_store_down(state, &e);
            Some(e)
        }
    }
}

/// Notes a store failure that `r` answered.
fn watch(state: &AppState, r: Response) -> Response {
    if let Some(StoreFailed(why)) = r.extensions().get::<StoreFailed>() {
        mark_store_down(state, why);
    }
    r
}

/// The client's IP address (from the connection; loopback when unknown, as in tests that
/// call the router directly).
fn client(req: &Request) -> IpAddr {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |c| c.0.ip())
}

/// Middleware of the write routes: rate limit, fast refusal while the store is down, the
/// timeout (without cancelling the write), the outage watch.
pub async fn writes(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let h = state.harden();
    if let Err(retry_after) = h.take_write(client(&req)) {
        return ServerError::RateLimited { retry_after }.into_response();
    }
    if let Some(why) = h.store_down() {
        return ServerError::StoreDown(why).into_response();
    }
    let task = tokio::spawn(next.run(req));
    let r = match h.timeout {
        None => task.await,
        Some(t) => match tokio::time::timeout(t, task).await {
            Ok(r) => r,
            Err(_) => return ServerError::Timeout(t.as_secs()).into_response(),
        },
    };
    match r {
        Ok(r) => watch(&state, r),
        Err(e) => ServerError::from(e).into_response(),
    }
}

/// Middleware of the read routes: the timeout (a read is dropped) and the outage watch.
pub async fn reads(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let r = match state.harden().timeout {
        None => next.run(req).await,
        Some(t) => match tokio::time::timeout(t, next.run(req)).await {
            Ok(r) => r,
            Err(_) => return ServerError::Timeout(t.as_secs()).into_response(),
        },
    };
    watch(&state, r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_past_its_burst_waits_and_others_do_not() {
        let cfg = ServerConfig {
            write_rate: 1,
            write_burst: 3,
            ..ServerConfig::default()
        };
        let h = Harden::new(&cfg);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        for _ in 0..3 {
            assert!(h.take_write(a).is_ok());
        }
        assert_eq!(h.take_write(a), Err(1));
        assert!(h.take_write(b).is_ok());
        let off = Harden::new(&ServerConfig {
            write_rate: 0,
            ..ServerConfig::default()
        });
        assert!((0..1000).all(|_| off.take_write(a).is_ok()));
    }
}
