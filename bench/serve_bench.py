#!/usr/bin/env python3
"""Load driver for bench/serve_bench.sh (python3 standard library only).

  serve_bench.py load --url URL --label NAME --streams N [--requests R] [--max-tokens T]
      Runs N client threads against an OpenAI-compatible server; each sends R streaming
      /v1/completions requests one after another (distinct prompts, temperature 0, ignore_eos,
      fixed max_tokens). Prints one JSON line: aggregate generation tok/s (all completion tokens
      over the wall time of the run), per-stream decode tok/s, time to first token (median, p90).
  serve_bench.py summary FILE
      Reads those JSON lines (several rounds per label and stream count), prints medians and the
      ratios the issue asks for: hearth 8 streams / 1 stream, hearth / llama-server.
"""
import argparse
import http.client
import json
import statistics
import sys
import threading
import time
import urllib.parse

PROMPT = ("Stream {i}, request {j}. Write a long story about a lighthouse keeper, the storms "
          "she saw, the ships she guided home and the letters she wrote to her sister.")


def percentile(values, q):
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def one_request(url, model, prompt, max_tokens, timeout):
    """Streams one completion; returns (ttft_s, completion_tokens, first_token_t, end_t)."""
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    body = json.dumps({
        "model": model, "prompt": prompt, "max_tokens": max_tokens, "temperature": 0,
        "ignore_eos": True, "stream": True, "stream_options": {"include_usage": True},
    })
    start = time.perf_counter()
    conn.request("POST", "/v1/completions", body, {"Content-Type": "application/json"})
    resp = conn.getresponse()
    if resp.status != 200:
        raise RuntimeError(f"HTTP {resp.status}: {resp.read()[:300]!r}")
    first = None
    chunks = 0
    usage_tokens = None
    for raw in resp:
        line = raw.decode("utf-8", "replace").strip()
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            break
        event = json.loads(data)
        if "error" in event:
            raise RuntimeError(f"stream error: {event['error']}")
        if event.get("usage"):
            usage_tokens = event["usage"].get("completion_tokens")
        for choice in event.get("choices") or []:
            if choice.get("text"):
                chunks += 1
                if first is None:
                    first = time.perf_counter()
    end = time.perf_counter()
    conn.close()
    tokens = usage_tokens if usage_tokens is not None else chunks
    if first is None:
        first = end
    return first - start, tokens, first, end


def load(args):
    results, errors = [], []
    lock = threading.Lock()

    def worker(i):
        for j in range(args.requests):
            try:
                r = one_request(args.url, args.model, PROMPT.format(i=i, j=j), args.max_tokens,
                                args.timeout)
                with lock:
                    results.append(r)
            except Exception as e:  # reported, and the run fails
                with lock:
                    errors.append(str(e))
                return

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.streams)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if errors:
        print(f"serve_bench.py: {len(errors)} request(s) failed: {errors[0]}", file=sys.stderr)
        return 1
    tokens = sum(r[1] for r in results)
    ttft = [r[0] for r in results]
    decode = [(r[1] - 1) / (r[3] - r[2]) for r in results if r[1] > 1 and r[3] > r[2]]
    print(json.dumps({
        "label": args.label, "streams": args.streams, "requests": len(results),
        "max_tokens": args.max_tokens, "completion_tokens": tokens, "wall_s": round(wall, 3),
        "agg_tok_s": round(tokens / wall, 2),
        "stream_decode_tok_s_median": round(statistics.median(decode), 2) if decode else None,
        "ttft_ms_median": round(1000 * statistics.median(ttft), 1),
        "ttft_ms_p90": round(1000 * percentile(ttft, 0.9), 1),
    }))
    return 0


def summary(args):
    rows = {}
    with open(args.file) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                r = json.loads(line)
                rows.setdefault((r["label"], r["streams"]), []).append(r)
    if not rows:
        print("serve_bench.py: no results", file=sys.stderr)
        return 1
    med = {}
    print(f"{'server':<14}{'streams':>8}{'rounds':>7}{'agg tok/s':>11}{'stream tok/s':>14}"
          f"{'TTFT med ms':>13}{'TTFT p90 ms':>13}")
    for (label, streams), rs in sorted(rows.items()):
        agg = statistics.median(r["agg_tok_s"] for r in rs)
        dec = [r["stream_decode_tok_s_median"] for r in rs if r["stream_decode_tok_s_median"]]
        ttft = statistics.median(r["ttft_ms_median"] for r in rs)
        p90 = statistics.median(r["ttft_ms_p90"] for r in rs)
        med[(label, streams)] = agg
        print(f"{label:<14}{streams:>8}{len(rs):>7}{agg:>11.2f}"
              f"{(statistics.median(dec) if dec else float('nan')):>14.2f}{ttft:>13.1f}{p90:>13.1f}")
    counts = sorted({s for _, s in med})
    lo, hi = counts[0], counts[-1]
    print()
    for label in sorted({l for l, _ in med}):
        if (label, lo) in med and (label, hi) in med and lo != hi:
            print(f"{label}: {hi} streams / {lo} stream = {med[(label, hi)] / med[(label, lo)]:.2f}x")
    if ("hearth", hi) in med and ("llama-server", hi) in med:
        for s in counts:
            if ("hearth", s) in med and ("llama-server", s) in med:
                print(f"hearth / llama-server at {s} stream(s) = "
                      f"{med[('hearth', s)] / med[('llama-server', s)]:.2f}x")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    lp = sub.add_parser("load")
    lp.add_argument("--url", required=True)
    lp.add_argument("--label", required=True)
    lp.add_argument("--model", default="bench")
    lp.add_argument("--streams", type=int, default=1)
    lp.add_argument("--requests", type=int, default=1, help="requests per stream, in sequence")
    lp.add_argument("--max-tokens", type=int, default=128)
    lp.add_argument("--timeout", type=float, default=600)
    sp = sub.add_parser("summary")
    sp.add_argument("file")
    args = p.parse_args()
    return load(args) if args.cmd == "load" else summary(args)


if __name__ == "__main__":
    sys.exit(main())
