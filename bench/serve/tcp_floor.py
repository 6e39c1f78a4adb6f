#!/usr/bin/env python3
"""The machine's loopback round-trip floor: a 1-byte TCP ping-pong between two processes,
both blocking (as wrk and a server waiting in epoll are). On a VM this is dominated by the
cost of waking a halted virtual CPU. Prints the p50 in microseconds.

usage: tcp_floor.py PORT [N]"""
import os, socket, sys, time

port, n = int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 20000
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(1)
if os.fork() == 0:
    c, _ = s.accept()
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        d = c.recv(16)
        if not d:
            os._exit(0)
        c.sendall(d)
c = socket.create_connection(("127.0.0.1", port))
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
ts = []
for _ in range(n):
    t = time.perf_counter()
    c.sendall(b"x")
    c.recv(16)
    ts.append(time.perf_counter() - t)
c.close()
os.wait()
ts.sort()
print(f"{ts[len(ts) // 2] * 1e6:.1f}")
