// The receipt page's check that the gift is counted (issue 27): fetches the gift's proof and the
// organization's public key, and checks in this browser — no third-party code, WebCrypto's SHA-256 and
// Ed25519 only — that every piece's path leads to the root the organization signed, that the pieces add
// up to the receipt's amount, and that the signatures hold. The rules are ledger/proofcheck.py's.
"use strict";
(function () {
  const enc = new TextEncoder();
  const MAX = (1n << 63n) - 1n;

  function fail(kind, msg) { const e = new Error(msg); e.kind = kind; throw e; }
  function hex(b) { return Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join(""); }
  function unhex(s) {
    if (typeof s !== "string" || !/^([0-9a-f]{2})*$/.test(s)) fail("format", "not hex");
    const b = new Uint8Array(s.length / 2);
    for (let i = 0; i < b.length; i++) b[i] = parseInt(s.substr(2 * i, 2), 16);
    return b;
  }
  function cat(parts) {
    const n = parts.reduce((a, p) => a + p.length, 0), b = new Uint8Array(n);
    let o = 0;
    for (const p of parts) { b.set(p, o); o += p.length; }
    return b;
  }
  function u64(n) {
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) fail("negative", "a sum is a whole number, never negative");
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(n));
    return b;
  }
  function str(s) {
    const t = enc.encode(s), b = new Uint8Array(2 + t.length);
    new DataView(b.buffer).setUint16(0, t.length);
    b.set(t, 2);
    return b;
  }
  async function sha(b) { return new Uint8Array(await crypto.subtle.digest("SHA-256", b)); }
  function same(a, b) { return a.length === b.length && a.every((x, i) => x === b[i]); }

  async function node(l, r) {
    const total = BigInt(l[1]) + BigInt(r[1]);
    if (total > MAX) fail("overflow", "a sum passes 2^63-1");
    return [await sha(cat([Uint8Array.of(1), l[0], u64(l[1]), r[0], u64(r[1])])), l[1] + r[1]];
  }
  // RFC 9162 §2.1.3.2, with sums
  async function fold(index, size, start, path) {
    if (!(index >= 0 && index < size)) fail("path", "the leaf is not in the tree");
    let fn = index, sn = size - 1, r = start;
    for (const step of path) {
      if (sn === 0) fail("path", "the path is longer than the tree is deep");
      const sib = [unhex(step[0]), step[1]];
      if (sib[0].length !== 32) fail("format", "a hash is 32 bytes");
      if ((fn & 1) || fn === sn) {
        r = await node(sib, r);
        if (!(fn & 1)) while (!(fn & 1) && fn !== 0) { fn >>= 1; sn >>= 1; }
      } else {
        r = await node(r, sib);
      }
      fn >>= 1; sn >>= 1;
    }
    if (sn !== 0) fail("path", "the path is shorter than the tree is deep");
    return r;
  }
  function canonical(v) {
    if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
    if (v && typeof v === "object") return "{" + Object.keys(v).sort().map((k) => JSON.stringify(k) + ":" + canonical(v[k])).join(",") + "}";
    return JSON.stringify(v);
  }
  async function checkSigned(key, signed) {
    const ok = await crypto.subtle.verify({ name: "Ed25519" }, key, unhex(signed.signature), enc.encode(canonical(signed.statement)));
    if (!ok) fail("signature", "a signature does not match the organization's key");
    return signed.statement;
  }

  async function verify(proof, key) {
    if (proof.format !== "quy-proof/1") fail("format", "not a quy-proof/1 proof");
    const d = proof.document, salt = unhex(d.salt), pieces = proof.pieces || [];
    if (!Number.isSafeInteger(d.amount) || d.amount < 0) fail("negative", "an amount is never negative");
    if (!pieces.length || pieces.length > 255) fail("format", "a proof has from 1 to 255 pieces");
    const roots = {};
    for (const r of proof.roots || []) { const st = await checkSigned(key, r); roots[st.period] = st; }
    const target = roots[proof.period];
    if (!target) fail("format", "the proof's period has no signed root");
    const at = (value, period, size) => {
      const st = roots[period];
      if (st && (!same(value[0], unhex(st.root)) || value[1] !== st.total || size !== st.leaves)) fail("root", "a path does not lead to the signed root of " + period);
    };
    let got = 0, month = null;
    const places = new Set();
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i];
      if (p.piece !== i) fail("format", "pieces are listed in order");
      const h = await sha(cat([Uint8Array.of(0), salt, Uint8Array.of(i, pieces.length), u64(p.amount), str(d.number), str(d.fund), enc.encode(d.date)]));
      const v = await fold(p.index, proof.month.size, [h, p.amount], p.path);
      if (month && (!same(v[0], month[0]) || v[1] !== month[1])) fail("root", "the pieces lead to different roots");
      month = v;
      if (places.has(p.index)) fail("duplicate", "two pieces stand in one place");
      places.add(p.index);
      got += p.amount;
    }
    at(month, proof.month.period, proof.month.size);
    let v = month;
    for (const s of proof.up || []) { v = await fold(s.index, s.size, v, s.path); at(v, s.period, s.size); }
    if (!same(v[0], unhex(target.root)) || v[1] !== target.total) fail("root", "the pieces do not lead to the signed root");
    if (got !== d.amount) fail("pieces", "the pieces do not add up to the receipt's amount");
    return target;
  }

  // the checker alone, for the benchmark and for anyone who wants to call it from the console
  window.quyProof = { verify, canonical };
  const box = document.getElementById("proof");
  if (!box) return;
  const out = box.querySelector("[data-proof-result]");

  function vnd(n) { return n.toLocaleString("vi-VN").replace(/,/g, ".") + " đ"; }
  function say(cls, text) { out.className = cls; out.textContent = text; }

  async function run() {
    say("muted", box.dataset.checking);
    const t = box.dataset;
    try {
      const pr = await fetch(t.proofUrl, { headers: { Accept: "application/json" } });
      if (pr.status === 404) { const e = await pr.json().catch(() => ({})); say("muted", (e.message_vi || t.notYet)); box.dataset.state = "unpublished"; return; }
      if (!pr.ok) fail("fetch", "HTTP " + pr.status);
      const proof = await pr.json();
      // the proof is of this very document: its number and amount, as the paper and this page show them (a pledge's
      // payment proves its pledge, "CK/…", of the pledge's amount)
      const doc = proof.document || {};
      if (!String(doc.number).startsWith("CK/") && ((t.number && doc.number !== t.number) ||
          (t.amount && doc.amount !== Number(t.amount)))) fail("document", "the proof is of another document or amount");
      const org = (proof.roots && proof.roots[0] && proof.roots[0].statement.org) || "";
      const kr = await fetch(t.keyUrl.replace("__ORG__", encodeURIComponent(org)), { headers: { Accept: "application/json" } });
      if (!kr.ok) fail("fetch", "HTTP " + kr.status);
      const k = await kr.json();
      const key = await crypto.subtle.importKey("raw", unhex(k.public_key), { name: "Ed25519" }, false, ["verify"]);
      const t0 = performance.now();
      const target = await verify(proof, key);
      const ms = performance.now() - t0;
      box.dataset.ms = ms.toFixed(2);
      box.dataset.state = "ok";
      say("flash", t.ok.replace("{amount}", vnd(proof.document.amount)).replace("{total}", vnd(target.total))
        .replace("{fund}", target.fund).replace("{period}", target.period));
      box.querySelector("[data-fingerprint]").textContent = k.fingerprint;
      box.querySelector("[data-root]").textContent = target.root;
    } catch (e) {
      box.dataset.state = "failed";
      box.dataset.failure = e.kind || "error";
      say("error-box", t.failed + " (" + (e.kind || "error") + ": " + e.message + ")");
    }
  }
  const button = box.querySelector("button");
  if (button) button.addEventListener("click", run);
  if (box.dataset.auto === "1") run();
})();
