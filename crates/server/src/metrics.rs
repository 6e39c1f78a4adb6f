//! Request metrics in the Prometheus text format: a request counter (by route, method and
//! status class) and a latency histogram per route, kept in atomics in a table fixed when the
//! router is built, so recording a request takes no lock. Also the middleware that records
//! every request and writes the structured request log line.

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Instant;

/// Upper bounds of the latency buckets, in seconds.
pub const BUCKETS: [f64; 14] = [
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
    1.0,
];

/// Counters of one (route, method).
#[derive(Debug, Default)]
struct RouteStats {
    /// Requests by status class 1xx..5xx (index 0..5).
    by_class: [AtomicU64; 5],
    /// Cumulative-free bucket counts (one per bound, plus +Inf).
    buckets: [AtomicU64; BUCKETS.len() + 1],
    /// Sum of latencies in nanoseconds.
    sum_ns: AtomicU64,
}

/// All request metrics of one server.
#[derive(Debug)]
pub struct Metrics {
    routes: Vec<(&'static str, &'static str, RouteStats)>,
    other: RouteStats,
    request_log: bool,
}

impl Metrics {
    /// A table for the given `(method, route)` pairs; anything else is counted as `other`.
    pub fn new(
        routes: impl IntoIterator<Item = (&'static str, &'static str)>,
        request_log: bool,
    ) -> Self {
        Metrics {
            routes: routes
                .into_iter()
                .map(|(m, r)| (m, r, RouteStats::default()))
                .collect(),
            other: RouteStats::default(),
            request_log,
        }
    }

    fn stats(&self, method: &str, route: Option<&str>) -> &RouteStats {
        route
            .and_then(|r| self.routes.iter().find(|(m, p, _)| *p == r && *m == method))
            .map(|(_, _, s)| s)
            .unwrap_or(&self.other)
    }

    /// Records one finished request.
    pub fn record(&self, method: &str, route: Option<&str>, status: u16, secs: f64) {
        let s = self.stats(method, route);
        let class = ((status / 100).clamp(1, 5) - 1) as usize;
        s.by_class[class].fetch_add(1, Relaxed);
        let b = BUCKETS
            .iter()
            .position(|&ub| secs <= ub)
            .unwrap_or(BUCKETS.len());
        s.buckets[b].fetch_add(1, Relaxed);
        s.sum_ns.fetch_add((secs * 1e9) as u64, Relaxed);
    }

    /// Total requests recorded for a route and method (all statuses).
    pub fn count(&self, method: &str, route: &str) -> u64 {
        let s = self.stats(method, Some(route));
        s.by_class.iter().map(|c| c.load(Relaxed)).sum()
    }

    /// The Prometheus exposition text; `model` labels the active-model gauge.
    pub fn render(&self, model: &str, algorithm: &str, extra: &[(&str, &str, f64)]) -> String {
        let mut o = String::with_capacity(8192);
        o.push_str(
            "# HELP cinerec_http_requests_total HTTP requests by route, method and status class.\n",
        );
        o.push_str("# TYPE cinerec_http_requests_total counter\n");
        let all = self
            .routes
            .iter()
            .map(|(m, r, s)| (*m, *r, s))
            .chain(std::iter::once(("any", "other", &self.other)));
        for (m, r, s) in all.clone() {
            for (k, c) in s.by_class.iter().enumerate() {
                let v = c.load(Relaxed);
                if v > 0 {
                    let _ = writeln!(
                        o,
                        "cinerec_http_requests_total{{route=\"{r}\",method=\"{m}\",status=\"{}xx\"}} {v}",
                        k + 1
                    );
                }
            }
        }
        o.push_str("# HELP cinerec_http_request_duration_seconds Request latency by route.\n");
        o.push_str("# TYPE cinerec_http_request_duration_seconds histogram\n");
        for (m, r, s) in all {
            let counts: Vec<u64> = s.buckets.iter().map(|b| b.load(Relaxed)).collect();
            let total: u64 = counts.iter().sum();
            if total == 0 {
                continue;
            }
            let mut cum = 0;
            for (i, ub) in BUCKETS.iter().enumerate() {
                cum += counts[i];
                let _ = writeln!(
                    o,
                    "cinerec_http_request_duration_seconds_bucket{{route=\"{r}\",method=\"{m}\",le=\"{ub}\"}} {cum}"
                );
            }
            let _ = writeln!(o, "cinerec_http_request_duration_seconds_bucket{{route=\"{r}\",method=\"{m}\",le=\"+Inf\"}} {total}");
            let sum = s.sum_ns.load(Relaxed) as f64 / 1e9;
            let _ = writeln!(
                o,
                "cinerec_http_request_duration_seconds_sum{{route=\"{r}\",method=\"{m}\"}} {sum}"
            );
            let _ = writeln!(o, "cinerec_http_request_duration_seconds_count{{route=\"{r}\",method=\"{m}\"}} {total}");
        }
        o.push_str("# HELP cinerec_model_info The active model (value is always 1).\n");
        o.push_str("# TYPE cinerec_model_info gauge\n");
        let _ = writeln!(
            o,
            "cinerec_model_info{{version=\"{}\",algorithm=\"{}\"}} 1",
            escape(model),
            escape(algorithm)
        );
        for (name, help, v) in extra {
            let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        }
        o
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware: times the request, records it under its matched route, logs it.
pub async fn track(State(m): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let _in_flight = crate::spin::touch();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let method = req.method().clone();
    let resp = next.run(req).await;
    let secs = start.elapsed().as_secs_f64();
    let status = resp.status().as_u16();
    let route = route.as_ref().map(|r| r.as_str());
    m.record(method.as_str(), route, status, secs);
    if m.request_log {
        tracing::info!(
            method = %method,
            route = route.unwrap_or("-"),
            status,
            micros = (secs * 1e6) as u64,
            "request"
        );
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_into_buckets_and_renders() {
        let m = Metrics::new([("GET", "/health")], false);
        m.record("GET", Some("/health"), 200, 0.0003);
        m.record("GET", Some("/health"), 404, 2.0);
        m.record("GET", Some("/nope"), 200, 0.0003);
        assert_eq!(m.count("GET", "/health"), 2);
        let t = m.render("v1", "baseline", &[]);
        assert!(t.contains(
            r#"cinerec_http_requests_total{route="/health",method="GET",status="2xx"} 1"#
        ));
        assert!(t.contains(
            r#"cinerec_http_requests_total{route="/health",method="GET",status="4xx"} 1"#
        ));
        assert!(t.contains(r#"cinerec_http_request_duration_seconds_bucket{route="/health",method="GET",le="0.0005"} 1"#));
        assert!(t.contains(r#"cinerec_http_request_duration_seconds_bucket{route="/health",method="GET",le="+Inf"} 2"#));
        assert!(t.contains(r#"route="other""#));
        assert!(t.contains(r#"cinerec_model_info{version="v1",algorithm="baseline"} 1"#));
    }
}
