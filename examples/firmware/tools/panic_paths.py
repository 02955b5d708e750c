#!/usr/bin/env python3
"""Which functions of an ARM ELF can reach the panic handler, and from where.

Usage: panic_paths.py ELF [--allow REGEX]... [--entry NAME]

Builds the static call graph from `llvm-objdump -d` (calls and branches,
tail calls included), finds every function from which the panic handler
(`rust_begin_unwind`) or core's panic functions are reachable, and reports the *origins*: functions
outside core's panic machinery that branch straight into it (a bounds check,
an `unwrap`, a `copy_within`, ...), each with a call chain from the entry.

Exit status: 0 if every origin matches one of the --allow regexes (or there
is none), 1 otherwise. Functions that only pass a panic on (callers of an
origin) are not judged: the origin is where the check is.
"""
import argparse
import collections
import re
import subprocess
import sys

OBJDUMP = "/usr/lib/llvm-19/bin/llvm-objdump"
HANDLER = re.compile(r"rust_begin_unwind$")
# core's panic machinery: the functions a failed check calls.
MACHINERY = re.compile(
    r"^(core::panicking::|core::slice::index::slice_\w*fail|core::option::(unwrap|expect)_failed"
    r"|core::result::unwrap_failed|core::str::slice_error_fail|core::cell::panic_already"
    r"|__rustc::rust_begin_unwind|rust_begin_unwind)"
)
BRANCH = re.compile(
    r"\t(?:bl|blx|b|beq|bne|bhs|blo|bhi|bls|bge|blt|bgt|ble|bmi|bpl|bvs|bvc|bcs|bcc"
    r"|cbz|cbnz)(?:\.w|\.n)?\t(?:r\d+, )?0x[0-9a-f]+ <(.+?)(?:\+0x[0-9a-f]+)?>(?: @|$)"
)


def call_graph(elf):
    """Calls between functions, and for each branch into the panic
    machinery the source line it was compiled from (with debug info)."""
    out = subprocess.run(
        [OBJDUMP, "-d", "-l", "--no-show-raw-insn", "-C", elf],
        capture_output=True, text=True, check=True,
    ).stdout
    calls = collections.defaultdict(set)
    sites = collections.defaultdict(set)
    cur, src = None, None
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.*)>:$", line)
        if m:
            cur, src = m.group(1), None
            calls.setdefault(cur, set())
            continue
        if line.startswith("; /"):
            src = line[2:].strip()
            continue
        m = BRANCH.search(line)
        if m and cur and m.group(1) != cur:
            calls[cur].add(m.group(1))
            if src and MACHINERY.search(m.group(1)):
                sites[cur].add(re.sub(r"^.*/library/", "library/", src))
    return calls, sites


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("elf")
    ap.add_argument("--allow", action="append", default=[])
    ap.add_argument("--entry", default="main")
    args = ap.parse_args()
    calls, sites = call_graph(args.elf)
    rev = collections.defaultdict(set)
    for a, bs in calls.items():
        for b in bs:
            rev[b].add(a)

    # Everything that reaches the panic machinery (or the handler itself,
    # should LTO have folded the machinery into it).
    reach = {f for f in calls if MACHINERY.search(f) or HANDLER.search(f)}
    for bs in calls.values():
        reach.update(b for b in bs if MACHINERY.search(b))
    todo = list(reach)
    while todo:
        f = todo.pop()
        for c in rev.get(f, ()):
            if c not in reach:
                reach.add(c)
                todo.append(c)
    origins = sorted(
        f for f in reach
        if not MACHINERY.search(f) and any(MACHINERY.search(g) for g in calls.get(f, ()))
    )

    # Shortest chains from the entry.
    prev = {args.entry: None}
    q = collections.deque([args.entry])
    while q:
        f = q.popleft()
        for g in sorted(calls.get(f, ())):
            if g not in prev:
                prev[g] = f
                q.append(g)

    def chain(f):
        """From the entry if it reaches f by direct calls, else the callers
        up to one reached only indirectly (through a vtable or fn pointer)."""
        out = [f]
        if f in prev:
            while prev.get(out[-1]) is not None:
                out.append(prev[out[-1]])
            return " <- ".join(out)
        while len(out) < 12:
            callers = sorted(c for c in rev.get(out[-1], ()) if c not in out)
            if not callers:
                out.append("(indirect call)")
                break
            out.append(next((c for c in callers if c in prev), callers[0]))
            if out[-1] in prev:
                while prev.get(out[-1]) is not None:
                    out.append(prev[out[-1]])
                break
        return " <- ".join(out)

    allow = [re.compile(a) for a in args.allow]
    bad = 0
    if not origins:
        print(f"no panic path: nothing in {args.elf} reaches the panic handler")
    for f in origins:
        into = sorted(g for g in calls[f] if MACHINERY.search(g))
        ok = any(a.search(f) for a in allow)
        bad += not ok
        print(f"{'allowed' if ok else 'NOT ALLOWED'}: {f}")
        print(f"    calls {', '.join(into)}")
        for site in sorted(sites.get(f, ()))[:8]:
            print(f"    at    {site}")
        print(f"    from  {chain(f)}")
    print(f"{len(origins)} origin(s) of panic paths, {bad} not allowed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
