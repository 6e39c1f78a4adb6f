#!/usr/bin/env bash
# Stateless replicas over PostgreSQL (issue #20, point 1): three `cinerec serve` replicas on
# loopback over a private PostgreSQL instance holding MovieLens-100K — propagation of ratings
# (latency measured and printed: median, max), activation through one replica switching all,
# a replica killed with kill -9 mid-stream, a late replica catching up, PostgreSQL restarted
# under them. Needs CINEREC_BIN and CINEREC_ML100K; prints a loud SKIP when they or
# PostgreSQL's initdb/pg_ctl/psql are missing. Exits non-zero on any failure.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec python3 "$HERE/replicas.py" "$@"
