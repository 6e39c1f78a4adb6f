//! The schema, as numbered migrations written once per dialect. [`crate::SqlStore::open`]
//! applies the missing ones in order and records each in `cinerec_migrations`
//! (version, name, applied_at); re-opening applies nothing.
//!
//! Tables: `users`, `movies`, `ratings` (+ the `views` view over it, the reference's name),
//! `models` (the registry), `store_info` (dataset name, genre vocabulary, rating scale) and,
//! from migration 2, `runs` (the experiment history); from migration 3, `rating_gen` (one row:
//! the rating generation, bumped by every rating write) and `rating_log` (which ratings each
//! generation changed), what a columnar snapshot needs to read later ratings incrementally;
//! from migration 4, `rating_origin` (which process wrote a generation: replicas skip their
//! own writes in the change stream) and `model_files` (model artifacts kept in the database,
//! readable by every replica).
//! Every statement is idempotent (`IF NOT EXISTS` / `OR REPLACE`), so a migration that was
//! interrupted between its DDL and its record (MySQL commits DDL implicitly) re-runs cleanly.

use crate::dialect::Backend;

/// One schema step.
pub struct Migration {
    /// Version number, from 1, increasing by one.
    pub version: i64,
    /// What it does.
    pub name: &'static str,
    sqlite: &'static [&'static str],
    postgres: &'static [&'static str],
    mysql: &'static [&'static str],
}

impl Migration {
    /// The statements for one backend.
    pub fn statements(&self, b: Backend) -> &'static [&'static str] {
        match b {
            Backend::Sqlite => self.sqlite,
            Backend::Postgres => self.postgres,
            Backend::MySql => self.mysql,
        }
    }
}

/// The table that records applied migrations (created before any migration runs).
pub fn bookkeeping_table(b: Backend) -> &'static str {
    match b {
        Backend::MySql => {
            "CREATE TABLE IF NOT EXISTS cinerec_migrations (version BIGINT NOT NULL PRIMARY KEY, \
             name TEXT NOT NULL, applied_at BIGINT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
        }
        _ => {
            "CREATE TABLE IF NOT EXISTS cinerec_migrations (version BIGINT NOT NULL PRIMARY KEY, \
             name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
        }
    }
}

/// The users table (SQLite and PostgreSQL).
const USERS: &str =
    "CREATE TABLE IF NOT EXISTS users (id VARCHAR(64) NOT NULL PRIMARY KEY, age BIGINT, \
         gender TEXT, occupation TEXT, zip TEXT, created_at BIGINT NOT NULL)";
/// The movies table (SQLite and PostgreSQL).
const MOVIES: &str =
    "CREATE TABLE IF NOT EXISTS movies (id VARCHAR(64) NOT NULL PRIMARY KEY, title TEXT, \
         year BIGINT, genres TEXT NOT NULL, metadata TEXT NOT NULL, created_at BIGINT NOT NULL)";
/// The ratings table (SQLite and PostgreSQL).
const RATINGS: &str = "CREATE TABLE IF NOT EXISTS ratings (\
         user_id VARCHAR(64) NOT NULL REFERENCES users(id) ON DELETE CASCADE, \
         movie_id VARCHAR(64) NOT NULL REFERENCES movies(id) ON DELETE CASCADE, \
         rating DOUBLE PRECISION NOT NULL, rated_at BIGINT NOT NULL, \
         PRIMARY KEY (user_id, movie_id))";
/// The index of ratings by movie (SQLite and PostgreSQL).
pub(crate) const RATINGS_MOVIE_INDEX: &str =
    "CREATE INDEX IF NOT EXISTS ratings_movie ON ratings (movie_id)";
/// The store_info table (SQLite and PostgreSQL).
const STORE_INFO: &str =
    "CREATE TABLE IF NOT EXISTS store_info (info_key VARCHAR(64) NOT NULL PRIMARY KEY, \
         info_value TEXT NOT NULL)";

/// The runs table (SQLite and PostgreSQL): the experiment history, one JSON record per run.
const RUNS: &str = "CREATE TABLE IF NOT EXISTS runs (id VARCHAR(64) NOT NULL PRIMARY KEY, \
         kind VARCHAR(32) NOT NULL, created_at BIGINT NOT NULL, record TEXT NOT NULL)";

/// The rating generation counter (SQLite and PostgreSQL): one row, bumped (row-locked) by
/// every transaction that writes or deletes ratings, so generations follow commit order.
const RATING_GEN: &str =
    "CREATE TABLE IF NOT EXISTS rating_gen (id BIGINT NOT NULL PRIMARY KEY, gen BIGINT NOT NULL)";
/// Which ratings each generation wrote or deleted (SQLite and PostgreSQL).
const RATING_LOG: &str = "CREATE TABLE IF NOT EXISTS rating_log (gen BIGINT NOT NULL, \
         user_id VARCHAR(64) NOT NULL, movie_id VARCHAR(64) NOT NULL, \
         PRIMARY KEY (gen, user_id, movie_id))";

/// Who wrote each rating generation (SQLite and PostgreSQL; MySQL below).
const RATING_ORIGIN: &str =
    "CREATE TABLE IF NOT EXISTS rating_origin (gen BIGINT NOT NULL PRIMARY KEY, \
         origin VARCHAR(64) NOT NULL)";

/// Every migration, in order.
pub static MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "users, movies, ratings (+ views), models, store_info",
        sqlite: &[
            USERS,
            MOVIES,
            RATINGS,
            RATINGS_MOVIE_INDEX,
            "CREATE VIEW IF NOT EXISTS views AS SELECT user_id, movie_id, rating, rated_at FROM ratings",
            "CREATE TABLE IF NOT EXISTS models (version INTEGER PRIMARY KEY AUTOINCREMENT, \
             algorithm TEXT NOT NULL, params TEXT NOT NULL, dataset_hash TEXT NOT NULL, metrics TEXT, \
             created_at BIGINT NOT NULL, artifact TEXT NOT NULL, \
             active BIGINT UNIQUE CHECK (active = 1))",
            STORE_INFO,
        ],
        postgres: &[
            USERS,
            MOVIES,
            RATINGS,
            RATINGS_MOVIE_INDEX,
            "CREATE OR REPLACE VIEW views AS SELECT user_id, movie_id, rating, rated_at FROM ratings",
            "CREATE TABLE IF NOT EXISTS models (version BIGSERIAL PRIMARY KEY, \
             algorithm TEXT NOT NULL, params TEXT NOT NULL, dataset_hash TEXT NOT NULL, metrics TEXT, \
             created_at BIGINT NOT NULL, artifact TEXT NOT NULL, \
             active BIGINT UNIQUE CHECK (active = 1))",
            STORE_INFO,
        ],
        mysql: &[
            "CREATE TABLE IF NOT EXISTS users (id VARCHAR(64) NOT NULL PRIMARY KEY, age BIGINT NULL, \
             gender TEXT NULL, occupation TEXT NULL, zip TEXT NULL, created_at BIGINT NOT NULL) \
             ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
            "CREATE TABLE IF NOT EXISTS movies (id VARCHAR(64) NOT NULL PRIMARY KEY, title TEXT NULL, \
             year BIGINT NULL, genres TEXT NOT NULL, metadata MEDIUMTEXT NOT NULL, \
             created_at BIGINT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
            "CREATE TABLE IF NOT EXISTS ratings (user_id VARCHAR(64) NOT NULL, \
             movie_id VARCHAR(64) NOT NULL, rating DOUBLE NOT NULL, rated_at BIGINT NOT NULL, \
             PRIMARY KEY (user_id, movie_id), KEY ratings_movie (movie_id), \
             CONSTRAINT ratings_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE, \
             CONSTRAINT ratings_movie_fk FOREIGN KEY (movie_id) REFERENCES movies (id) ON DELETE CASCADE) \
             ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
            "CREATE OR REPLACE VIEW views AS SELECT user_id, movie_id, rating, rated_at FROM ratings",
            "CREATE TABLE IF NOT EXISTS models (version BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, \
             algorithm TEXT NOT NULL, params MEDIUMTEXT NOT NULL, dataset_hash TEXT NOT NULL, \
             metrics MEDIUMTEXT NULL, created_at BIGINT NOT NULL, artifact TEXT NOT NULL, \
             active BIGINT NULL UNIQUE, CHECK (active = 1)) \
             ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
            "CREATE TABLE IF NOT EXISTS store_info (info_key VARCHAR(64) NOT NULL PRIMARY KEY, \
             info_value MEDIUMTEXT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
        ],
    },
    Migration {
        version: 2,
        name: "runs (the experiment history)",
        sqlite: &[RUNS],
        postgres: &[RUNS],
        mysql: &["CREATE TABLE IF NOT EXISTS runs (id VARCHAR(64) NOT NULL PRIMARY KEY, \
             kind VARCHAR(32) NOT NULL, created_at BIGINT NOT NULL, record MEDIUMTEXT NOT NULL, \
             KEY runs_created (created_at)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"],
    },
    Migration {
        version: 3,
        name: "rating_gen, rating_log (incremental reads after a snapshot)",
        sqlite: &[
            RATING_GEN,
            "INSERT OR IGNORE INTO rating_gen (id, gen) VALUES (1, 0)",
            RATING_LOG,
        ],
        postgres: &[
            RATING_GEN,
            "INSERT INTO rating_gen (id, gen) VALUES (1, 0) ON CONFLICT (id) DO NOTHING",
            RATING_LOG,
        ],
        mysql: &[
            "CREATE TABLE IF NOT EXISTS rating_gen (id BIGINT NOT NULL PRIMARY KEY, \
             gen BIGINT NOT NULL) ENGINE=InnoDB",
            "INSERT IGNORE INTO rating_gen (id, gen) VALUES (1, 0)",
            "CREATE TABLE IF NOT EXISTS rating_log (gen BIGINT NOT NULL, \
             user_id VARCHAR(64) NOT NULL, movie_id VARCHAR(64) NOT NULL, \
             PRIMARY KEY (gen, user_id, movie_id)) \
             ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
        ],
    },
    Migration {
        version: 4,
        name: "rating_origin, model_files (replicas)",
        sqlite: &[
            RATING_ORIGIN,
            "CREATE TABLE IF NOT EXISTS model_files (version BIGINT NOT NULL PRIMARY KEY, \
             bytes BLOB NOT NULL)",
        ],
        postgres: &[
            RATING_ORIGIN,
            "CREATE TABLE IF NOT EXISTS model_files (version BIGINT NOT NULL PRIMARY KEY, \
             bytes BYTEA NOT NULL)",
        ],
        mysql: &[
            "CREATE TABLE IF NOT EXISTS rating_origin (gen BIGINT NOT NULL PRIMARY KEY, \
             origin VARCHAR(64) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
            "CREATE TABLE IF NOT EXISTS model_files (version BIGINT NOT NULL PRIMARY KEY, \
             bytes LONGBLOB NOT NULL) ENGINE=InnoDB",
        ],
    },
];

/// Highest migration version this build knows.
pub fn latest() -> i64 {
    MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_consecutive_and_every_dialect_has_statements() {
        for (k, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, k as i64 + 1);
            for b in [Backend::Sqlite, Backend::Postgres, Backend::MySql] {
                assert!(!m.statements(b).is_empty(), "{} {:?}", m.version, b);
            }
        }
        assert_eq!(latest(), MIGRATIONS.len() as i64);
    }
}
