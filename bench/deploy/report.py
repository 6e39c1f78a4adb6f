#!/usr/bin/env python3
"""bench/deploy/results.md from measure.sh's TSV: the measured inputs of docs/deploy.md."""
import csv
import sys

tsv, meta, prop = sys.argv[1:4]
rows = list(csv.DictReader(open(tsv), delimiter="\t"))
sizes = sorted({int(r["ratings"]) for r in rows})
val = {(r["what"], int(r["ratings"])): r["value"] for r in rows}

print("# Measured inputs of the deployment capacity plan (docs/deploy.md)\n")
print("Command: `bench/deploy/measure.sh` (writes this file and `results.tsv`).\n")
for line in open(meta):
    print(f"- {line.strip()}")
print()
print("| measure | " + " | ".join(f"{n:,} ratings" for n in sizes) + " |")
print("|---|" + "---:|" * len(sizes))
labels = [
    ("csv_bytes_per_rating", "CSV (ratings.csv), bytes per rating"),
    ("pg_ratings_table_bytes_per_rating", "PostgreSQL `ratings` table + indexes, bytes per rating"),
    ("pg_database_bytes_per_rating", "PostgreSQL database (ratings, change log, users, movies), bytes per rating"),
    ("sqlite_file_bytes_per_rating", "SQLite file, bytes per rating"),
    ("snapshot_bytes_per_rating", "columnar snapshot, bytes per rating"),
    ("cinerec_als_fit_seconds", "cinerec ALS fit (one process), s"),
    ("spark_fit_seconds", "Spark MLlib ALS fit (local mode, `ALS.fit`), s"),
    ("spark_seconds_per_iteration", "Spark ALS seconds per iteration"),
    ("spark_session_seconds", "Spark session start, s"),
    ("spark_train_wall_seconds", "`train --engine spark` wall (export, JVM, session, fit, read back), s"),
    ("spark_blocks", "Spark ALS blocks (user = item)"),
]
for key, label in labels:
    cells = [val.get((key, n), "–") for n in sizes]
    print(f"| {label} | " + " | ".join(cells) + " |")
print()
if len(sizes) >= 2:
    a, b = sizes[0], sizes[-1]
    try:
        ta, tb = float(val[("spark_seconds_per_iteration", a)]), float(val[("spark_seconds_per_iteration", b)])
        print(f"Spark per iteration grows {tb / ta:.2f}× for {b / a:.1f}× the ratings; "
              f"marginal cost {(tb - ta) / ((b - a) / 1e6):.3f} s per iteration per million ratings "
              f"on this machine's cores.\n")
    except (KeyError, ValueError, ZeroDivisionError):
        pass
p = open(prop).read().strip()
print(f"Rating propagation between replicas (`tests/replicas/run.sh`): {p or 'not measured'}")
