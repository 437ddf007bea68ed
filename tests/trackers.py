#!/usr/bin/env python3
"""The parse rules of the trackers pinbench's exports feed, ported from their own sources, run
over a results folder's exports: a file one of them would reject, or read wrongly, fails here.

Usage: tests/trackers.py PINBENCH RESULTS_DIR GBENCH_OUT_JSON

- every tracker parses with JavaScript's JSON.parse or an equivalent: NaN and Infinity are not
  JSON (Python's json module accepts them unless told not to);
- github-action-benchmark, tool customSmallerIsBetter: an array of {name, unit, value, range?,
  extra?}, name and unit strings, value a number; tool googlecpp: Google Benchmark's JSON, each
  benchmark's real_time with its time_unit;
- Bencher, adapter json (Bencher Metric Format): {benchmark: {measure: {value, lower_value?,
  upper_value?}}}, numbers, lower <= value <= upper;
- Conbench, BenchmarkResult as its benchadapt package builds and its API accepts: tags.name, a
  timestamp, stats.data numbers with stats.unit among Conbench's and stats.iterations their
  count, machine_info whose fields are strings (the integer ones parse as integers), github
  either absent or with repository and commit.
Each check also confirms the real time per operation is what was recorded: the export's value
for a variant equals the median of its blocks in gbench.json.
"""
import datetime
import json
import math
import statistics
import subprocess
import sys

fails = []


def bad(what):
    fails.append(what)
    print("FAIL: " + what)


def strict_json(text, what):
    def no_constant(c):
        raise ValueError("%s is not JSON" % c)
    try:
        return json.loads(text, parse_constant=no_constant)
    except ValueError as e:
        bad("%s: JSON.parse would reject it: %s" % (what, e))
        return None


def export(pb, fmt, folder):
    out = subprocess.run([pb, "export", "--format=" + fmt, folder], capture_output=True, text=True)
    if out.returncode != 0:
        bad("export --format=%s: exit %d: %s" % (fmt, out.returncode, out.stderr.strip()))
        return None
    return strict_json(out.stdout, "export --format=" + fmt)


def recorded_medians(folder):
    g = strict_json(open(folder + "/gbench.json").read(), "gbench.json") or {"benchmarks": []}
    per = {}
    for b in g["benchmarks"]:
        if b.get("run_type") == "aggregate" or b.get("error_occurred"):
            continue
        name = b["name"].rsplit("/manual_time", 1)[0]
        scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b["time_unit"]]
        per.setdefault(name, []).append(b["real_time"] * scale)
    return {k: statistics.median(v) for k, v in per.items()}


def close(a, b):
    return abs(a - b) <= 1e-6 * max(abs(a), abs(b), 1e-30)


def check_github(rows, med):
    if not isinstance(rows, list) or not rows:
        return bad("github: not a non-empty array")
    seen = 0
    for r in rows:
        if not isinstance(r.get("name"), str) or not isinstance(r.get("unit"), str):
            return bad("github: name and unit must be strings: %r" % r)
        if not isinstance(r.get("value"), (int, float)) or isinstance(r.get("value"), bool):
            return bad("github: value must be a number: %r" % r)
        for k in ("range", "extra"):
            if k in r and not isinstance(r[k], str):
                return bad("github: %s must be a string: %r" % (k, r))
        if r["name"].endswith(" median time per op"):
            v = r["name"][: -len(" median time per op")]
            if v in med and not close(r["value"], med[v]):
                return bad("github: %s reads %g, recorded median %g" % (v, r["value"], med[v]))
            seen += 1
    if not seen:
        bad("github: no real-time row")


def check_bencher(bmf, med):
    if not isinstance(bmf, dict) or not bmf:
        return bad("bencher: not a non-empty object")
    for name, measures in bmf.items():
        if not isinstance(measures, dict) or not measures:
            return bad("bencher: %s has no measures" % name)
        for m, v in measures.items():
            val = v.get("value")
            if not isinstance(val, (int, float)) or not math.isfinite(val):
                return bad("bencher: %s %s: value %r" % (name, m, val))
            lo, hi = v.get("lower_value", val), v.get("upper_value", val)
            if not (lo <= val <= hi):
                return bad("bencher: %s %s: %r not within [%r, %r]" % (name, m, val, lo, hi))
        if "latency" in measures and name in med and not close(measures["latency"]["value"], med[name]):
            return bad("bencher: %s latency %g, recorded median %g" % (name, measures["latency"]["value"], med[name]))


CONBENCH_UNITS = {"s", "ns", "i/s", "B/s", "b/s"}
MUST_BE_INTS = ["cpu_core_count", "cpu_thread_count", "cpu_frequency_max_hz", "cpu_l1d_cache_bytes",
                "cpu_l1i_cache_bytes", "cpu_l2_cache_bytes", "cpu_l3_cache_bytes", "memory_bytes",
                "gpu_count"]
MACHINE_KEYS = ["name", "os_name", "os_version", "architecture_name", "kernel_name",
                "cpu_model_name", "gpu_product_names"] + MUST_BE_INTS


def check_conbench(results, med):
    if not isinstance(results, list) or not results:
        return bad("conbench: not a non-empty array of BenchmarkResult")
    for r in results:
        name = r.get("tags", {}).get("name")
        if not isinstance(name, str) or not name:
            return bad("conbench: tags.name missing: %r" % r.get("tags"))
        try:
            datetime.datetime.fromisoformat(r["timestamp"].replace("Z", "+00:00"))
        except (KeyError, ValueError):
            return bad("conbench: %s: timestamp %r is not ISO 8601" % (name, r.get("timestamp")))
        st = r.get("stats") or {}
        data = st.get("data")
        if not isinstance(data, list) or not data or not all(
                isinstance(x, (int, float)) and math.isfinite(x) for x in data):
            return bad("conbench: %s: stats.data %r" % (name, data))
        if st.get("unit") not in CONBENCH_UNITS:
            return bad("conbench: %s: unit %r" % (name, st.get("unit")))
        if st.get("iterations") != len(data):
            return bad("conbench: %s: iterations %r for %d values" % (name, st.get("iterations"), len(data)))
        mi = r.get("machine_info")
        if not isinstance(mi, dict) or r.get("cluster_info"):
            return bad("conbench: %s: machine_info xor cluster_info" % name)
        for k in MACHINE_KEYS:
            if k not in mi:
                return bad("conbench: machine_info lacks %s" % k)
            if k != "gpu_product_names" and not isinstance(mi[k], str):
                return bad("conbench: machine_info.%s must be a string: %r" % (k, mi[k]))
        for k in MUST_BE_INTS:
            try:
                int(mi[k])
            except ValueError:
                return bad("conbench: machine_info.%s is not an integer: %r" % (k, mi[k]))
        gh = r.get("github")
        if gh is not None and not ("repository" in gh and "commit" in gh):
            return bad("conbench: github without repository and commit: %r" % gh)
        if name in med and not close(statistics.median(data) * 1e9, med[name]):
            return bad("conbench: %s: median %g s, recorded %g ns: not the real time" %
                       (name, statistics.median(data), med[name]))


def check_googlecpp(path):
    g = strict_json(open(path).read(), "--benchmark_out")
    if not g:
        return
    for b in g.get("benchmarks", []):
        if not isinstance(b.get("name"), str) or not isinstance(b.get("real_time"), (int, float)):
            return bad("googlecpp: %r" % b)
        if b.get("time_unit") not in ("ns", "us", "ms", "s"):
            return bad("googlecpp: time_unit %r" % b.get("time_unit"))


def main():
    pb, folder, gbout = sys.argv[1:4]
    med = recorded_medians(folder)
    checks = [lambda: check_github(export(pb, "github", folder), med),
              lambda: check_bencher(export(pb, "bencher", folder), med),
              lambda: check_conbench(export(pb, "conbench", folder), med),
              lambda: check_googlecpp(gbout)]
    failed = 0
    for check in checks:
        before = len(fails)
        check()
        failed += len(fails) > before
    print("trackers: %d passed, %d failed" % (len(checks) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
