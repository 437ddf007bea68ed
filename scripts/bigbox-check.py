#!/usr/bin/env python3
"""bigbox-check: judges what scripts/bigbox.sh brought back from the emulated boxes.

    scripts/bigbox-check.py WORK_DIR TOPOLOGY...

Reads only the files the guests wrote (results folders, env.json, the exit statuses), never the
console. Figures under emulation mean nothing and are not checked; what is checked is that
every path the topology has ran: placements that need SMT, another L3, another package, another
NUMA node, memory binding or an isolated CPU ran and are valid (a valid variant had its pins,
memory binds and thread invariants verified), the node x node matrices have every planned cell,
env reports the topology the guest was given, list skips nothing the topology has, env --check
finds the isolated CPUs, and a SIGINT mid-run publishes a partial folder with exit 130.
Prints one line per check; exit 0 when all pass, 1 otherwise."""
import json
import os
import re
import sys

# What each topology is, and which variants it must run (regular expressions on the name).
TOPOLOGIES = {
    "smt8": {
        "env": {"topology_pus": 8, "topology_packages": 2, "topology_numa_nodes": 2,
                "topology_smt_per_core_max": 2, "isolated_cpus": "3,7", "nohz_full_cpus": "3,7"},
        "must_run": [r"/smt_sibling$", r"/same_l3$", r"/other_package$", r"/other_numa$",
                     r"^numa/remote_", r"^numa/matrix_", r"^isolation/isolated_"],
        "cpu_nodes": [0, 1], "mem_nodes": [0, 1],
        # QEMU numbers threads, then cores, then packages; one NUMA node per package here
        "core": lambda c: c // 2, "package": lambda c: c // 4, "node": lambda c: c // 4,
    },
    "numa16": {
        "env": {"topology_pus": 16, "topology_packages": 2, "topology_numa_nodes": 4,
                "topology_smt_per_core_max": 1},
        "must_run": [r"/same_l3$", r"/other_package$", r"/other_numa$", r"^numa/remote_",
                     r"^numa/matrix_"],
        # node 3 has CPUs and no memory: a row of the matrix, never a column
        "cpu_nodes": [0, 1, 2, 3], "mem_nodes": [0, 1, 2],
        "core": lambda c: c, "package": lambda c: c // 8, "node": lambda c: c // 4,
    },
}

failed = 0
passed = 0


def check(ok, what):
    global failed, passed
    print(("ok: " if ok else "FAIL: ") + what)
    failed += not ok
    passed += bool(ok)
    return ok


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        check(False, "%s: %s" % (path, e))
        return None


def statuses(out):
    st = {}
    try:
        for line in open(os.path.join(out, "status")):
            k, _, v = line.strip().partition(" ")
            st[k] = int(v)
    except (OSError, ValueError):
        pass
    return st


def folders(root):
    """Published results folders under root (<host>/<stamp>), and leftover temporary ones."""
    pub, tmp = [], []
    for host in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        hd = os.path.join(root, host)
        for leaf in sorted(os.listdir(hd)):
            (tmp if leaf.startswith(".tmp") else pub).append(os.path.join(hd, leaf))
    return pub, tmp


def check_env(name, out, want):
    env = load(os.path.join(out, "env.json"))
    if env is None:
        return
    for k, v in want.items():
        got = env.get(k)
        check(str(got) == str(v), "%s: env %s is %s (the guest was given %s)" % (name, k, got, v))
    if "isolated_cpus" in want:
        text = open(os.path.join(out, "env-check.txt")).read()
        check("isolated" in text and want["isolated_cpus"] in text and "nohz_full" in text,
              "%s: env --check names the isolated and nohz_full CPUs (%s)"
              % (name, want["isolated_cpus"]))


def check_run(name, out, topo):
    pub, tmp = folders(os.path.join(out, "results"))
    if not check(len(pub) == 1 and not tmp, "%s: one results folder published (%d, %d temporary)"
                 % (name, len(pub), len(tmp))):
        return
    d = pub[0]
    run = load(os.path.join(d, "run.json"))
    summ = load(os.path.join(d, "summary.json"))
    if run is None or summ is None:
        return
    check(run["run"].get("valid") and not run["run"].get("partial"),
          "%s: the run is valid and whole" % name)
    variants = {v["name"]: v for v in summ["variants"]}
    bad = [n for n, v in variants.items() if v["status"] not in ("ok", "skipped")]
    check(not bad, "%s: every variant that ran is valid%s" % (
        name, "" if not bad else ": " + "; ".join(
            "%s %s (%s)" % (n, variants[n]["status"], variants[n]["reason"]) for n in bad[:4])))
    for pat in topo["must_run"]:
        hit = [n for n in variants if re.search(pat, n)]
        notrun = [n for n in hit if variants[n]["status"] != "ok"]
        check(hit and not notrun, "%s: %d variants matching %s ran and are valid%s" % (
            name, len(hit), pat, "" if not notrun else "; not: " + ", ".join(
                "%s (%s)" % (n, variants[n]["reason"]) for n in notrun[:3])))
    check_matrices(name, d, variants, topo)
    check_pairs(name, variants, topo)
    listed = list_skips(os.path.join(out, "list.txt")) & set(variants)
    ran_skipped = {n for n, v in variants.items() if v["status"] == "skipped"}
    wrong = sorted(n for n in listed if any(re.search(p, n) for p in topo["must_run"]))
    check(not wrong, "%s: list skips none of what the topology has (%d skipped: %s)"
          % (name, len(listed), ", ".join(sorted(listed)) or "none"))
    check(listed == ran_skipped, "%s: list and the run skip the same variants%s" % (
        name, "" if listed == ran_skipped else ": list only %s, run only %s"
        % (sorted(listed - ran_skipped), sorted(ran_skipped - listed))))


def list_skips(path):
    """The variants `pinbench list` says it would skip: a "(skipped here: ...)" line follows the
    variant's own line."""
    skipped, last = set(), None
    for line in open(path):
        m = re.match(r"^  ([a-z0-9_]+/[a-z0-9_/]+)\s", line)
        if m:
            last = m.group(1)
        elif last and "(skipped here:" in line:
            skipped.add(last)
    return skipped


def rel_holds(topo, a, b, rel):
    """Whether CPUs a and b stand in `rel` on the topology the guest was given (not as the guest
    or hwloc report it: the planner is what is under test)."""
    core, pkg, node = topo["core"], topo["package"], topo["node"]
    return {
        "smt_sibling": a != b and core(a) == core(b),
        "same_l3": core(a) != core(b) and pkg(a) == pkg(b),  # one L3 per package here
        "other_package": pkg(a) != pkg(b),
        "other_numa": node(a) != node(b),
    }.get(rel)


def check_pairs(name, variants, topo):
    """Every planned CPU pair is what its relation says, on the topology the guest was given."""
    seen, wrong = 0, []
    for n, v in variants.items():
        m = re.match(r"cpus (\d+) and (\d+) \((\w+)\)", v.get("placement") or "")
        if v["status"] != "ok" or not m:
            continue
        a, b, rel = int(m.group(1)), int(m.group(2)), m.group(3)
        holds = rel_holds(topo, a, b, rel)
        if holds is None:
            continue
        seen += 1
        if not holds:
            wrong.append("%s: cpus %d and %d are not %s" % (n, a, b, rel))
    check(seen and not wrong, "%s: the %d planned CPU pairs are what their relation says%s"
          % (name, seen, "" if not wrong else ": " + "; ".join(wrong[:3])))


def check_matrices(name, d, variants, topo):
    for n, v in variants.items():
        if not n.startswith("numa/matrix_") or v["status"] != "ok":
            continue
        path = os.path.join(d, "hist", n.replace("/", ".") + ".matrix.csv")
        try:
            rows = [l.rstrip("\n").split(",") for l in open(path)]
        except OSError as e:
            check(False, "%s: %s: %s" % (name, n, e))
            continue
        head, cells = rows[0], set()
        for r in rows[1:]:
            rec = dict(zip(head, r))
            if rec.get("samples", "0") not in ("", "0"):
                cells.add((int(rec[head[0]]), int(rec[head[1]])))
        want = {(c, m) for c in topo["cpu_nodes"] for m in topo["mem_nodes"]}
        check(want <= cells, "%s: %s has every planned cell (%d of %d%s)" % (
            name, n, len(want & cells), len(want),
            "" if want <= cells else "; missing " + str(sorted(want - cells))))


def check_sigint(name, out):
    st = statuses(out)
    check(st.get("sigint") == 130, "%s: SIGINT mid-run exits 130 (got %s)"
          % (name, st.get("sigint")))
    pub, tmp = folders(os.path.join(out, "sigint"))
    ok = len(pub) == 1 and not tmp
    if ok:
        run = load(os.path.join(pub[0], "run.json"))
        ok = run is not None and run["run"].get("partial") is True
    check(ok, "%s: the stopped run published one folder marked partial, no temporary left "
          "(%d published, %d temporary)" % (name, len(pub), len(tmp)))


def check_compare(work):
    cmp = load(os.path.join(work, "compare", "compare.json"))
    if cmp is None:
        return
    text = json.dumps(cmp.get("environment", cmp))
    for key in ("topology_pus", "topology_numa_nodes", "topology_smt_per_core_max",
                "isolated_cpus"):
        check(key in text, "compare smt8 numa16: the environment diff names %s" % key)


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    work = argv[1]
    for name in argv[2:]:
        topo = TOPOLOGIES.get(name)
        out = os.path.join(work, name)
        if not check(topo is not None and os.path.isdir(out), "%s: the guest's files are back"
                     % name):
            continue
        st = statuses(out)
        for step in ("env", "list", "run"):
            check(st.get(step) == 0, "%s: %s exited %s" % (name, step, st.get(step)))
        check_env(name, out, topo["env"])
        check_run(name, out, topo)
        check_sigint(name, out)
    if "smt8" in argv[2:] and "numa16" in argv[2:]:
        check_compare(work)
    print("bigbox: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
