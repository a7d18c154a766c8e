"""``make bench-proofs``: the Merkle-sum trees of a year of 1,000,000 gifts (issue 27), beside pymerkle building a
plain Merkle tree over the same leaves in the same run.

Measured: building the year's trees (12 months of pieces, the quarters and the year) on one core, from the
documents (salts derived, each gift split in two random pieces, leaves hashed, placed, summed up); the size of
one donor's proof in its compact form (``proofcheck.pack_proof``: the document and its pieces' paths; the month's
context — its path up, the signed roots, their places in the log — is public and the same for every donor of the
month, and is reported beside it); checking that proof (decoded, with its context) with ``ledger/proofcheck.py``
(Python) and in headless Chromium with the receipt page's own script (``web/static/proof.js``, WebCrypto), median
of runs.
Anchor: pymerkle (``InmemoryTree``, SHA-256) fed the same leaf hashes.

Targets: the trees in < 10 s on one core, a proof of < 1.5 KB, its check in the browser < 20 ms.
Environment: ``QUY_BENCH_GIFTS`` (default 1,000,000), ``QUY_BENCH_DIR`` (default ``bench-out``).
Results are appended to ``bench-out/proofs.json``.
"""

from __future__ import annotations

import http.server
import json
import os
import random
import statistics
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger import merkle as M
from ledger import proofcheck as P
from ledger.gcpause import gc_paused
from tests.bench.summary import Figure, record

ROOT = Path(__file__).resolve().parents[2]
TARGET_BUILD_S, TARGET_PROOF_BYTES, TARGET_BROWSER_MS = 10.0, 1536, 20.0
AMOUNTS = (50_000, 100_000, 200_000, 300_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000, 50_000_000)


def documents(n: int, secret: bytes, year: int) -> list[tuple[str, date, int]]:
    rng = random.Random(2026)
    start = date(year, 1, 1)
    return [(f"BN/{year % 100:02d} {i:07d}", start + timedelta(days=rng.randrange(365)),
             rng.choice(AMOUNTS) + rng.randrange(3) * 1000) for i in range(1, n + 1)]


def build(rows, secret: bytes, year: int) -> tuple[M.YearTrees, float]:
    t = time.perf_counter()
    salt = M.salter(secret)
    with gc_paused():  # as ledger/proofs.py year_trees builds them
        docs = [M.Doc(n, "KH", d, a, salt("gifts", n)) for n, d, a in rows]
        trees = M.build_year(year, docs, secret)
    return trees, time.perf_counter() - t


def anchor_pymerkle(trees: M.YearTrees) -> float:
    """pymerkle building a plain tree over the same leaves (the months' leaf hashes, as entries)."""
    from pymerkle import InmemoryTree

    leaves = [h for m in trees.months for h in m.tree.hashes[0]]
    t = time.perf_counter()
    tree = InmemoryTree(algorithm="sha256")
    for h in leaves:
        tree.append_entry(h)
    tree.get_root() if hasattr(tree, "get_root") else tree.get_state()
    return time.perf_counter() - t


def browser_ms(compact: bytes, context: dict, public_key: bytes, runs: int = 25) -> list[float]:
    """Milliseconds the receipt page's script takes to check a compact proof with its month's context in headless
    Chromium — decoding the bytes and checking every path and signature (after one warm-up)."""
    sys.path.insert(0, str(ROOT))
    from tests.e2e.browser import launch_browser

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(ROOT / "web" / "static"), **kw)

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    pw, browser = launch_browser()
    try:
        page = browser.new_page()
        # a secure context (127.0.0.1) for WebCrypto; the script from the app's own static folder
        page.goto(f"http://127.0.0.1:{server.server_port}/quy.css")
        page.add_script_tag(url=f"http://127.0.0.1:{server.server_port}/proof.js")
        times = page.evaluate("""async ([compact, context, key, runs]) => {
            const unhex = (s) => Uint8Array.from(s.match(/../g), (h) => parseInt(h, 16));
            const k = await crypto.subtle.importKey("raw", unhex(key), {name: "Ed25519"}, false, ["verify"]);
            const bytes = unhex(compact);
            await window.quyProof.verify(window.quyProof.unpack(bytes, context), k);
            const out = [];
            for (let i = 0; i < runs; i++) {
                const t0 = performance.now();
                await window.quyProof.verify(window.quyProof.unpack(bytes, context), k);
                out.push(performance.now() - t0);
            }
            return out;
        }""", [compact.hex(), context, public_key.hex(), runs])
    finally:
        browser.close()
        pw.stop()
        server.shutdown()
    return times


def main() -> int:
    n = int(os.environ.get("QUY_BENCH_GIFTS") or 1_000_000)
    out_dir = Path(os.environ.get("QUY_BENCH_DIR") or ROOT / "bench-out")
    out_dir.mkdir(parents=True, exist_ok=True)
    secret, year = bytes(range(32)), 2026
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    pub = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    rows = documents(n, secret, year)
    trees, build_s = build(rows, secret, year)
    assert trees.year.root[1] == sum(a for _, _, a in rows)
    from ledger.proofs import bounds

    def sign(st: dict) -> dict:
        return {"statement": st, "signature": key.sign(P.canonical(st)).hex()}

    roots = [sign({"org": "BENCH", "fund": "KH", "kind": "gifts", "period": p, "from": bounds(p)[0].isoformat(),
                   "to": bounds(p)[1].isoformat(), "root": h.hex(), "total": s, "leaves": k, "seq": i})
             for i, (p, ((h, s), k)) in enumerate(trees.roots().items())]
    entries = [P.canonical(r) for r in roots]
    head = sign({"org": "BENCH", "size": len(entries), "root": M.log_root(entries).hex()})
    number = rows[n // 2][0]
    own = M.proof(trees, number, [])
    month = next(r for r in roots if r["statement"]["period"] == own["month"]["period"])
    carried = M.proof(trees, number, [month, roots[-1]],
                      log=M.log_inclusion([month, roots[-1]], entries, head))
    compact, context = P.pack_proof(carried), P.context_of(carried)
    size = len(compact)
    size_json = len(json.dumps({k: v for k, v in own.items() if k not in ("roots", "log")}, separators=(",", ":")))
    size_context = len(json.dumps(context, separators=(",", ":")))
    assert P.unpack_proof(compact, context) == carried
    t = time.perf_counter()
    for _ in range(50):
        P.verify_proof(P.unpack_proof(compact, context), pub)
    python_ms = (time.perf_counter() - t) / 50 * 1000
    anchor_s = anchor_pymerkle(trees)
    try:
        ms = browser_ms(compact, context, pub)
        browser = statistics.median(ms)
    except Exception as e:  # noqa: BLE001 — a machine without Chromium still gets the other figures
        print(f"browser check not measured: {e}", file=sys.stderr)
        browser = None
    leaves = sum(m.tree.size for m in trees.months)
    print(f"trees of {n:,} gifts ({leaves:,} leaves): {build_s:.2f} s on one core "
          f"(target < {TARGET_BUILD_S:.0f} s) — pymerkle over the same leaves {anchor_s:.2f} s, "
          f"ratio {build_s / anchor_s:.2f}")
    print(f"one donor's proof: {size:,} bytes compact (target < {TARGET_PROOF_BYTES:,}; the same as JSON without the "
          f"public parts {size_json:,}); its month's context, the same for every donor of the month, {size_context:,}"
          f" bytes of JSON; depth {len(own['pieces'][0]['path'])} + {sum(len(u['path']) for u in own['up'])} per piece")
    print(f"checked in Python {python_ms:.2f} ms" + (
        f", in Chromium {browser:.2f} ms median (target < {TARGET_BROWSER_MS:.0f} ms)" if browser is not None else ""))
    ok = build_s < TARGET_BUILD_S and size < TARGET_PROOF_BYTES and (browser is None or browser < TARGET_BROWSER_MS)
    with (out_dir / "proofs.json").open("a") as f:
        f.write(json.dumps({"at": datetime.now(UTC).isoformat(timespec="seconds"), "gifts": n, "leaves": leaves,
                            "build_s": round(build_s, 3), "pymerkle_s": round(anchor_s, 3),
                            "ratio": round(build_s / anchor_s, 3), "proof_bytes": size,
                            "proof_json_bytes": size_json, "context_bytes": size_context,
                            "python_ms": round(python_ms, 3),
                            "browser_ms": round(browser, 3) if browser is not None else None,
                            "targets_met": ok}) + "\n")
    print("targets met" if ok else "TARGET MISSED")
    record("proofs", [
        Figure(f"Merkle-sum trees of {n:,} gifts ({leaves:,} leaves), one core", build_s, "s",
               "pymerkle over the same leaves", anchor_s, f"< {TARGET_BUILD_S:.0f} s", build_s < TARGET_BUILD_S),
        Figure("one donor's compact proof", size, "bytes", "the same proof as JSON", size_json,
               f"< {TARGET_PROOF_BYTES:,} bytes", size < TARGET_PROOF_BYTES),
        *([Figure("a proof checked in Chromium", browser, "ms", "the same check in Python", python_ms,
                  f"< {TARGET_BROWSER_MS:.0f} ms", browser < TARGET_BROWSER_MS)] if browser is not None else []),
    ])
    return 0


if __name__ == "__main__":
    sys.exit(main())
