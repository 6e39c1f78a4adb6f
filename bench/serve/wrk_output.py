"""Parsing of wrk's text output (with --latency), shared by the serve bench reports."""
import re


def parse(path, name=None):
    """req/s, the p50/p75/p90/p99 latencies in ms, the request count, non-2xx/3xx responses
    and socket errors of the wrk output in `path`."""
    t = open(path).read()
    r = {"name": name or path}
    m = re.search(r"Requests/sec:\s+([\d.]+)", t)
    r["rps"] = float(m.group(1)) if m else 0.0
    for p in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", t, re.M)
        if m:
            v, u = float(m.group(1)), m.group(2)
            r["p" + p] = v / 1000 if u == "us" else v * 1000 if u == "s" else v
    m = re.search(r"(\d+) requests in", t)
    r["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    r["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
    r["socket_errors"] = sum(map(int, m.groups())) if m else 0
    return r
