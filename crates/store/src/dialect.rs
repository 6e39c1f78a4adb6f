//! SQL dialect differences between the three backends, in one place: which backend a URL
//! names, placeholder style (`?` vs `$n`), multi-row upsert statements (`ON CONFLICT` vs
//! `ON DUPLICATE KEY`), and how many rows fit in one statement.

use crate::error::{redact_url, Result, StoreError};
use serde::Serialize;

/// The database behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Backend {
    /// Embedded SQLite (bundled library).
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB.
    MySql,
}

impl Backend {
    /// The backend a URL names, by scheme.
    pub fn from_url(url: &str) -> Result<Backend> {
        let scheme = url.split(':').next().unwrap_or("").to_ascii_lowercase();
        match scheme.as_str() {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            "mysql" | "mariadb" => Ok(Backend::MySql),
            _ => Err(StoreError::UnknownScheme {
                url: redact_url(url),
            }),
        }
    }

    /// Short name ("sqlite", "postgres", "mysql").
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::MySql => "mysql",
        }
    }

    /// Rewrites `?` placeholders to `$1, $2, …` for PostgreSQL; other backends keep `?`.
    /// The store's own SQL never has a `?` inside a string literal.
    pub fn sql(self, q: &str) -> String {
        if self != Backend::Postgres {
            return q.to_string();
        }
        let mut out = String::with_capacity(q.len() + 16);
        let mut n = 0;
        for c in q.chars() {
            if c == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(c);
            }
        }
        out
    }

    /// Rows per multi-row statement for a table of `cols` columns: at most 1000 rows and
    /// well below every backend's bound-parameter limit (SQLite 32766, PostgreSQL and
    /// MySQL 65535).
    pub fn rows_per_statement(self, cols: usize) -> usize {
        (30_000 / cols.max(1)).clamp(1, 1000)
    }

    /// `INSERT INTO table (cols) VALUES (?,…),(?,…) <upsert clause>` for `rows` rows: on a
    /// key conflict, `update` columns take the new values and the others keep theirs.
    pub fn upsert(
        self,
        table: &str,
        cols: &[&str],
        key: &[&str],
        update: &[&str],
        rows: usize,
    ) -> String {
        let one = format!("({})", vec!["?"; cols.len()].join(","));
        let values = vec![one.as_str(); rows].join(",");
        let head = format!("INSERT INTO {table} ({}) VALUES {values}", cols.join(","));
        let tail = match self {
            Backend::Sqlite | Backend::Postgres => {
                let set: Vec<String> = update.iter().map(|c| format!("{c}=excluded.{c}")).collect();
                if set.is_empty() {
                    format!(" ON CONFLICT ({}) DO NOTHING", key.join(","))
                } else {
                    format!(
                        " ON CONFLICT ({}) DO UPDATE SET {}",
                        key.join(","),
                        set.join(",")
                    )
                }
            }
            Backend::MySql => {
                let mut set: Vec<String> =
                    update.iter().map(|c| format!("{c}=VALUES({c})")).collect();
                if set.is_empty() {
                    set.push(format!("{0}={0}", key[0]));
                }
                format!(" ON DUPLICATE KEY UPDATE {}", set.join(","))
            }
        };
        self.sql(&(head + &tail))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_and_placeholders() {
        assert_eq!(Backend::from_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::from_url("sqlite::memory:").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_url("postgresql://h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(Backend::from_url("mysql://h/db").unwrap(), Backend::MySql);
        let e = Backend::from_url("redis://u:pw@h").unwrap_err().to_string();
        assert!(e.contains("sqlite://") && e.contains("postgres://") && e.contains("mysql://"));
        assert!(!e.contains("pw"), "{e}");
        assert_eq!(Backend::Postgres.sql("a=? AND b=?"), "a=$1 AND b=$2");
        assert_eq!(Backend::MySql.sql("a=?"), "a=?");
    }

    #[test]
    fn upsert_statements() {
        let s = Backend::Sqlite.upsert("t", &["a", "b"], &["a"], &["b"], 2);
        assert_eq!(
            s,
            "INSERT INTO t (a,b) VALUES (?,?),(?,?) ON CONFLICT (a) DO UPDATE SET b=excluded.b"
        );
        let m = Backend::MySql.upsert("t", &["a", "b"], &["a"], &["b"], 1);
        assert_eq!(
            m,
            "INSERT INTO t (a,b) VALUES (?,?) ON DUPLICATE KEY UPDATE b=VALUES(b)"
        );
        let p = Backend::Postgres.upsert("t", &["a", "b"], &["a"], &[], 1);
        assert_eq!(
            p,
            "INSERT INTO t (a,b) VALUES ($1,$2) ON CONFLICT (a) DO NOTHING"
        );
        assert!(Backend::Sqlite.rows_per_statement(5) * 5 <= 32_766);
    }
}
