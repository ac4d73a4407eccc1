"""CPU time used by other people's processes, for benchmarks on a shared machine.
Used by bench/pipeline/run.sh and bench/load/run.sh. Python standard library only;
reads /proc (Linux).

    python foreign_cpu.py gate --mine PID [--db NAME] [--quiet-for S] [--max-wait S] [--limit S]
        Wait until the foreign processes used less than --limit CPU seconds (default
        1.0) over the last --quiet-for seconds (default 30); give up after --max-wait
        seconds (default 1800). Prints the seconds waited.

    python foreign_cpu.py watch --mine PID [--db NAME] OUT
        Sample every 0.5 s until SIGTERM, then write to OUT the CPU seconds the foreign
        processes used meanwhile and the busiest of them.

Foreign: every process that is not PID 1, a kernel thread, --mine or a descendant of
it, a Postgres background process (checkpointer, WAL writer, ...: they work for
whoever wrote last) or a Postgres backend serving database --db (the benchmark's own). So a compiler,
`cargo test` and its test binaries, another jmap run and the Postgres backends of
other databases all count, each for the CPU it actually used (an idle `cargo` waiting
on a lock does not).
"""

import argparse
import os
import re
import signal
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")
# the process title of a client backend: "postgres: 15/main: USER DB HOST(PORT) STATE"
BACKEND = re.compile(r"^postgres: \S+: \S+ (\S+) (\S*\(\d+\)|\[local\])")


def snapshot():
    """pid -> (ppid, comm, cpu_seconds, cmdline)"""
    procs = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        pid = int(name)
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                raw = f.read().decode(errors="replace")
        except OSError:
            continue
        # comm is in parentheses and may contain spaces
        lp, rp = raw.index("("), raw.rindex(")")
        comm = raw[lp + 1 : rp]
        rest = raw[rp + 2 :].split()
        ppid = int(rest[1])
        flags = int(rest[6])
        if flags & 0x00200000:  # PF_KTHREAD
            continue
        cpu = (int(rest[11]) + int(rest[12])) / TICK
        procs[pid] = (ppid, comm, cpu)
    return procs


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Foreign:
    def __init__(self, mine, db):
        self.mine = mine
        self.db = db
        self.prev = {}
        self.pg_cache = {}

    def is_mine(self, pid, procs):
        seen = 0
        while pid and pid in procs and seen < 64:
            if pid == self.mine:
                return True
            pid = procs[pid][0]
            seen += 1
        return False

    def excluded(self, pid, procs):
        if pid in (1, os.getpid()) or self.is_mine(pid, procs):
            return True
        if procs[pid][1] == "postgres":
            # Postgres's own background processes work for whoever wrote last: not
            # counted. Client backends count unless they serve --db.
            if pid not in self.pg_cache:
                m = BACKEND.match(cmdline(pid))
                self.pg_cache[pid] = m is None or (bool(self.db) and m.group(1) == self.db)
            return self.pg_cache[pid]
        return False

    def sample(self, since_start):
        """CPU used by foreign processes since the previous sample: (total, by comm)."""
        procs = snapshot()
        used = 0.0
        by = {}
        for pid, (ppid, comm, cpu) in procs.items():
            if self.excluded(pid, procs):
                continue
            if pid in self.prev:
                d = cpu - self.prev[pid]
            elif since_start is not None:
                d = cpu  # started during the window: all of its CPU is in it
            else:
                d = 0.0
            if d > 0:
                used += d
                by[comm] = by.get(comm, 0.0) + d
        self.prev = {pid: v[2] for pid, v in procs.items()}
        return used, by


def gate(a):
    f = Foreign(a.mine, a.db)
    f.sample(None)
    window = []  # (time, cpu)
    start = time.monotonic()
    while True:
        time.sleep(1.0)
        used, _ = f.sample(True)
        now = time.monotonic()
        window.append((now, used))
        window = [(t, u) for t, u in window if t > now - a.quiet_for]
        if now - start >= a.quiet_for and sum(u for _, u in window) < a.limit:
            break
        if now - start >= a.max_wait:
            print(f"still busy after {a.max_wait:.0f}s", file=sys.stderr)
            break
    print(f"{time.monotonic() - start:.0f}")


def watch(a):
    f = Foreign(a.mine, a.db)
    f.sample(None)
    total = 0.0
    by = {}
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    while not stop:
        time.sleep(0.5)
        used, b = f.sample(True)
        total += used
        for k, v in b.items():
            by[k] = by.get(k, 0.0) + v
    used, b = f.sample(True)
    total += used
    for k, v in b.items():
        by[k] = by.get(k, 0.0) + v
    top = sorted(by.items(), key=lambda kv: -kv[1])[:3]
    with open(a.out, "w") as out:
        out.write(f"{total:.2f}\t" + ", ".join(f"{k} {v:.1f}s" for k, v in top) + "\n")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gate")
    w = sub.add_parser("watch")
    for p in (g, w):
        p.add_argument("--mine", type=int, required=True)
        p.add_argument("--db", default="")
    g.add_argument("--quiet-for", type=float, default=30)
    g.add_argument("--max-wait", type=float, default=1800)
    g.add_argument("--limit", type=float, default=1.0)
    w.add_argument("out")
    a = ap.parse_args()
    gate(a) if a.cmd == "gate" else watch(a)


if __name__ == "__main__":
    main()
