//! Test harness of the store suite: a fresh, isolated store per test on each backend, and a
//! small synthetic dataset with every kind of metadata.
//!
//! SQLite: a file in a temp folder. PostgreSQL / MySQL: a database created for the test
//! (`cinerec_t_<pid>_<n>_<nanos>`) next to the one `CINEREC_TEST_POSTGRES_URL` /
//! `CINEREC_TEST_MYSQL_URL` names, dropped afterwards, also when the test panics. An unset
//! variable makes the test print a loud `*** SKIP … ***` line to stderr and pass.

#![allow(dead_code)]

use cinerec_core::{Catalog, Dataset, IdMap, Interactions, ItemMeta, UserMeta};
use cinerec_store::{Backend, Store};
use sqlx::{AssertSqlSafe, Connection};
use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// What a property gets: the store and the URL it was opened with (to reopen it).
pub struct Ctx {
    pub store: Arc<dyn Store>,
    pub url: String,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Writes to the real stderr (not captured by the test harness).
pub fn loud(msg: &str) {
    let _ = writeln!(std::io::stderr(), "{msg}");
}

/// The URL with its database path replaced by `db`.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|p| p + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(p) => &base[..scheme_end + p],
        None => base,
    };
    format!("{host_part}/{db}{query}")
}

async fn admin(b: Backend, admin_url: &str, sql: String) {
    let r = match b {
        Backend::Postgres => match sqlx::PgConnection::connect(admin_url).await {
            Ok(mut c) => sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut c)
                .await
                .map(drop),
            Err(e) => Err(e),
        },
        Backend::MySql => match sqlx::MySqlConnection::connect(admin_url).await {
            Ok(mut c) => sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut c)
                .await
                .map(drop),
            Err(e) => Err(e),
        },
        Backend::Sqlite => Ok(()),
    };
    if let Err(e) = r {
        panic!(
            "admin statement on {}: {e}",
            cinerec_store::redact_url(admin_url)
        );
    }
}

/// Runs `sql` (one or several statements, text protocol) on the store database a test
/// store URL names, outside the store (to set up triggers that make an import fail).
pub async fn exec_raw(b: Backend, url: &str, sql: &str) {
    let sql = AssertSqlSafe(sql.to_string());
    let r = match b {
        Backend::Postgres => match sqlx::PgConnection::connect(url).await {
            Ok(mut c) => sqlx::raw_sql(sql).execute(&mut c).await.map(drop),
            Err(e) => Err(e),
        },
        Backend::MySql => match sqlx::MySqlConnection::connect(url).await {
            Ok(mut c) => sqlx::raw_sql(sql).execute(&mut c).await.map(drop),
            Err(e) => Err(e),
        },
        Backend::Sqlite => match sqlx::SqliteConnection::connect(url).await {
            Ok(mut c) => sqlx::raw_sql(sql).execute(&mut c).await.map(drop),
            Err(e) => Err(e),
        },
    };
    if let Err(e) = r {
        panic!("statement on {}: {e}", cinerec_store::redact_url(url));
    }
}

/// Drops the test database when dropped (on a separate thread with its own runtime, so it
/// also runs while a failed test unwinds).
struct DropDb {
    backend: Backend,
    admin_url: String,
    name: String,
}

impl Drop for DropDb {
    fn drop(&mut self) {
        let (b, url) = (self.backend, self.admin_url.clone());
        let sql = match b {
            Backend::Postgres => format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            _ => format!("DROP DATABASE IF EXISTS {}", self.name),
        };
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(admin(b, &url, sql));
            }
        })
        .join();
    }
}

/// Runs `prop` against a fresh store of `backend` (or prints a SKIP line).
pub async fn run<F, Fut>(backend: Backend, test: &str, prop: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()>,
{
    let tmp = tempfile::tempdir().expect("temp dir");
    let (url, _guard) = match backend {
        Backend::Sqlite => (
            format!("sqlite://{}", tmp.path().join("store.db").display()),
            None,
        ),
        Backend::Postgres | Backend::MySql => {
            let var = if backend == Backend::Postgres {
                "CINEREC_TEST_POSTGRES_URL"
            } else {
                "CINEREC_TEST_MYSQL_URL"
            };
            let Some(admin_url) = std::env::var(var).ok().filter(|v| !v.is_empty()) else {
                loud(&format!(
                    "*** SKIP {}::{test}: {var} is not set ***",
                    backend.name()
                ));
                return;
            };
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0);
            let name = format!(
                "cinerec_t_{}_{}_{nanos}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            );
            admin(backend, &admin_url, format!("CREATE DATABASE {name}")).await;
            let guard = DropDb {
                backend,
                admin_url: admin_url.clone(),
                name: name.clone(),
            };
            (with_database(&admin_url, &name), Some(guard))
        }
    };
    let store = cinerec_store::open(&url)
        .await
        .unwrap_or_else(|e| panic!("opening {}: {e}", cinerec_store::redact_url(&url)));
    assert_eq!(store.backend(), backend);
    prop(Ctx {
        store: store.clone(),
        url,
    })
    .await;
    store.close().await;
}

/// A dataset with `users` users, `items` movies and about `per_user` ratings each: ids that
/// sort differently as numbers and as text, unicode titles, a genre vocabulary that is not
/// in sorted order, tags/relations/links, demographics, one user and one movie without
/// ratings, and rating scale 1–5.
pub fn synthetic(users: u32, items: u32, per_user: u32) -> Dataset {
    let user_ids = IdMap::from_raw_sorted((1..=users).map(|u| (u * 7).to_string()).collect());
    let item_ids = IdMap::from_raw_sorted((1..=items).map(|i| (i * 3).to_string()).collect());
    let genre_names: Vec<String> = ["unknown", "Action", "Comedy", "Drama", "Sci-Fi"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let item_meta = (0..items)
        .map(|i| ItemMeta {
            title: Some(format!("Film n°{i} — “Ça”")),
            year: (i % 5 != 0).then_some(1950 + i as u16),
            genres: vec![(i % 5) as u16, ((i + 2) % 5) as u16],
            tags: if i % 3 == 0 {
                vec![format!("tag{i}"), "classic".into()]
            } else {
                vec![]
            },
            relations: if i % 4 == 0 {
                vec![("film.director".into(), format!("m.{i}"))]
            } else {
                vec![]
            },
            links: vec![("imdb".into(), format!("{:07}", i * 11))],
        })
        .collect();
    let user_meta = (0..users)
        .map(|u| UserMeta {
            age: (u % 6 != 0).then_some(18 + (u % 50) as u16),
            gender: Some(if u % 2 == 0 { "M" } else { "F" }.into()),
            occupation: (u % 3 != 0).then(|| "engineer".into()),
            zip: Some(format!("{:05}", u * 13)),
        })
        .collect();
    let mut inter = Interactions::default();
    for u in 0..users.saturating_sub(1) {
        for k in 0..per_user {
            let i = (u * 5 + k * 7) % items.saturating_sub(1).max(1);
            let v = 1.0 + ((u + k) % 9) as f32 * 0.5;
            inter.push(u, i, v, 880_000_000 + u * 1000 + k);
        }
    }
    let catalog = Catalog {
        users: user_ids,
        items: item_ids,
        item_meta,
        user_meta,
        genre_names,
    };
    let mut d = Dataset::new("synthetic", Arc::new(catalog), inter);
    d.set_scale(1.0, 5.0);
    d
}
