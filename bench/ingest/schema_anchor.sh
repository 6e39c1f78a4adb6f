#!/usr/bin/env bash
# The anchors' bulk loaders into cinerec's ratings schema: the same tool as
# /work/shared/anchors/datapath/*, but the table has cinerec's primary key (user_id, movie_id)
# AND its ratings_movie index (created after the load, the tool's best practice); no foreign
# keys, no users/movies tables. Shows what the databases themselves need for this schema.
# Usage: schema_anchor.sh sqlite|postgres|mariadb CSV DB
set -eu
KIND="${1:?kind}"; CSV="${2:?csv}"; DB="${3:?db}"; P=postgres://postgres@127.0.0.1:5432
case $KIND in
  sqlite)
    rm -f "$DB" "$DB-wal" "$DB-shm"
    sqlite3 "$DB" <<SQL
PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
CREATE TABLE ratings(user_id VARCHAR(64) NOT NULL, movie_id VARCHAR(64) NOT NULL, rating DOUBLE PRECISION NOT NULL, rated_at BIGINT NOT NULL, PRIMARY KEY(user_id, movie_id));
.mode csv
BEGIN;
.import --skip 1 $CSV ratings
CREATE INDEX ratings_movie ON ratings (movie_id);
COMMIT;
SELECT count(*) FROM ratings;
SQL
    ;;
  postgres)
    psql -q "$P/postgres" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
    psql -q "$P/$DB" -c "CREATE TABLE ratings(user_id VARCHAR(64) NOT NULL, movie_id VARCHAR(64) NOT NULL, rating DOUBLE PRECISION NOT NULL, rated_at BIGINT NOT NULL, PRIMARY KEY(user_id, movie_id))"
    psql -q "$P/$DB" -c "\\copy ratings from '$CSV' csv header"
    psql -q "$P/$DB" -c "CREATE INDEX ratings_movie ON ratings (movie_id)"
    psql -tA "$P/$DB" -c "SELECT count(*) FROM ratings"
    ;;
  mariadb)
    mariadb -h 127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB"
    mariadb -h 127.0.0.1 -uroot --local-infile=1 "$DB" -e "CREATE TABLE ratings(user_id VARCHAR(64) NOT NULL, movie_id VARCHAR(64) NOT NULL, rating DOUBLE NOT NULL, rated_at BIGINT NOT NULL, PRIMARY KEY(user_id, movie_id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
LOAD DATA LOCAL INFILE '$CSV' INTO TABLE ratings FIELDS TERMINATED BY ',' IGNORE 1 LINES;
ALTER TABLE ratings ADD INDEX ratings_movie (movie_id); SELECT count(*) FROM ratings;"
    ;;
  *) echo "unknown kind $KIND" >&2; exit 2 ;;
esac
