#!/usr/bin/env python3
"""Crunches the runs of bench/compare_llama.sh: medians of per-round tokens/s of llama-bench and
`hearth bench` on the same files, and the ratio hearth / llama.cpp per model and test.

Input: RUNS.tsv with one line per run: engine (llama.cpp | hearth), model path, round, JSON file.
"""
import argparse
import json
import os
import statistics
import sys


def llama_results(doc):
    """llama-bench -o json: a list of tests; pp has n_gen 0, tg has n_prompt 0."""
    out = {}
    for t in doc:
        n_prompt, n_gen = t.get("n_prompt", 0), t.get("n_gen", 0)
        if t.get("n_depth", 0):
            continue
        if n_gen == 0 and n_prompt > 0:
            out[f"pp{n_prompt}"] = float(t["avg_ts"])
        elif n_prompt == 0 and n_gen > 0:
            out[f"tg{n_gen}"] = float(t["avg_ts"])
    return out


def hearth_results(doc):
    """hearth bench --json: {"results": [{"test", "tokens_per_s", "roofline_pct", ...}]}."""
    return {r["test"]: float(r["tokens_per_s"]) for r in doc["results"]}, \
           {r["test"]: float(r["roofline_pct"]) for r in doc["results"]}


def load_runs(path):
    # samples[(model, test)][engine] = [tokens/s per round]; roofline[(model, test)] = [pct]
    samples, roofline = {}, {}
    with open(path) as f:
        for line_no, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line:
                continue
            fields = line.split("\t")
            if len(fields) != 4:
                sys.exit(f"{path}:{line_no}: expected 4 tab-separated fields, got {len(fields)}")
            engine, model, _round, json_path = fields
            try:
                with open(json_path) as jf:
                    doc = json.load(jf)
            except (OSError, json.JSONDecodeError) as e:
                sys.exit(f"{json_path}: cannot read the {engine} result: {e}")
            if engine == "llama.cpp":
                rates, pcts = llama_results(doc), {}
            elif engine == "hearth":
                rates, pcts = hearth_results(doc)
            else:
                sys.exit(f"{path}:{line_no}: unknown engine '{engine}'")
            for test, ts in rates.items():
                samples.setdefault((model, test), {}).setdefault(engine, []).append(ts)
            for test, pct in pcts.items():
                roofline.setdefault((model, test), []).append(pct)
    return samples, roofline


def test_order(test):
    return (0 if test.startswith("pp") else 1, test)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("runs", help="RUNS.tsv written by compare_llama.sh")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a markdown table")
    args = ap.parse_args()
    samples, roofline = load_runs(args.runs)

    rows = []
    for (model, test) in sorted(samples, key=lambda k: (k[0], test_order(k[1]))):
        by_engine = samples[(model, test)]
        llama = by_engine.get("llama.cpp", [])
        hearth = by_engine.get("hearth", [])
        row = {
            "model": os.path.basename(model),
            "test": test,
            "rounds": min(len(llama), len(hearth)) if llama and hearth else max(len(llama), len(hearth)),
            "llama_cpp_tokens_per_s": statistics.median(llama) if llama else None,
            "hearth_tokens_per_s": statistics.median(hearth) if hearth else None,
            "hearth_roofline_pct": statistics.median(roofline[(model, test)]) if roofline.get((model, test)) else None,
        }
        row["ratio"] = (row["hearth_tokens_per_s"] / row["llama_cpp_tokens_per_s"]
                        if llama and hearth and row["llama_cpp_tokens_per_s"] > 0 else None)
        rows.append(row)

    if args.json:
        print(json.dumps(rows, indent=2))
        return

    def fmt(v, spec):
        return "-" if v is None else format(v, spec)

    print("| model | test | rounds | llama.cpp t/s (median) | hearth t/s (median) | hearth / llama.cpp | hearth roofline % |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['model']} | {r['test']} | {r['rounds']} | {fmt(r['llama_cpp_tokens_per_s'], '.2f')} | "
              f"{fmt(r['hearth_tokens_per_s'], '.2f')} | {fmt(r['ratio'], '.3f')} | "
              f"{fmt(r['hearth_roofline_pct'], '.1f')} |")


if __name__ == "__main__":
    main()
