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
    if (typeof s !== "string") fail("format", "a text field is text");
    const t = enc.encode(s), b = new Uint8Array(2 + t.length);
    if (t.length > 0xffff) fail("format", "a text field is longer than 65,535 bytes");
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
  // RFC 9162 §2.1.3.2; ``combine`` is a sum tree's node (pairs of hash and sum) or the log's (hashes)
  async function fold(index, size, start, path, combine, step) {
    if (!Number.isInteger(index) || !Number.isInteger(size) || !(index >= 0 && index < size)) fail("path", "the leaf is not in the tree");
    let fn = index, sn = size - 1, r = start;
    for (const p of path || []) {
      if (sn === 0) fail("path", "the path is longer than the tree is deep");
      const sib = step(p);
      if ((fn & 1) || fn === sn) {
        r = await combine(sib, r);
        if (!(fn & 1)) while (!(fn & 1) && fn !== 0) { fn >>= 1; sn >>= 1; }
      } else {
        r = await combine(r, sib);
      }
      fn >>= 1; sn >>= 1;
    }
    if (sn !== 0) fail("path", "the path is shorter than the tree is deep");
    return r;
  }
  function hash32(h) { const b = unhex(h); if (b.length !== 32) fail("format", "a hash is 32 bytes"); return b; }
  const sumStep = (p) => [hash32(p[0]), p[1]];
  const sumFold = (index, size, start, path) => fold(index, size, start, path, node, sumStep);
  async function logNode(l, r) { return sha(cat([Uint8Array.of(1), l, r])); }
  const logFold = (index, size, leaf, path) => fold(index, size, leaf, path, logNode, hash32);
  function canonical(v) {
    if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
    if (v && typeof v === "object") return "{" + Object.keys(v).sort().map((k) => JSON.stringify(k) + ":" + canonical(v[k])).join(",") + "}";
    return JSON.stringify(v);
  }
  async function checkSigned(key, signed) {
    const st = signed && signed.statement;
    if (!st || typeof st !== "object") fail("format", "a signed statement is missing");
    const ok = await crypto.subtle.verify({ name: "Ed25519" }, key, unhex(signed.signature), enc.encode(canonical(signed.statement)));
    if (!ok) fail("signature", "a signature does not match the organization's key");
    return signed.statement;
  }

  async function verify(proof, key) {
    if (proof.format !== "quy-proof/1") fail("format", "not a quy-proof/1 proof");
    const d = proof.document || {}, salt = unhex(d.salt), pieces = proof.pieces || [], month = proof.month || {};
    if (salt.length !== 32) fail("format", "a salt is 32 bytes");
    if (!Number.isSafeInteger(d.amount) || d.amount < 0) fail("negative", "an amount is never negative");
    if (typeof d.date !== "string" || !/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(d.date)) fail("format", "a date is YYYY-MM-DD");
    if (!pieces.length || pieces.length > 255) fail("format", "a proof has from 1 to 255 pieces");
    const roots = {}, signed = {};
    for (const r of proof.roots || []) {
      const st = await checkSigned(key, r);
      for (const k of ["root", "total", "leaves"]) if (!(k in st)) fail("format", "a statement has " + k);
      roots[st.period] = st; signed[st.period] = r;
    }
    const target = roots[proof.period], monthSt = roots[month.period];
    if (!target || !monthSt) fail("format", "a proof carries the signed roots of its month and of its period");
    if (month.period !== d.date.slice(0, 7)) fail("period", "the document is not dated in the proof's month");
    for (const st of [monthSt, target]) {
      if (st.fund !== d.fund || st.kind !== d.kind || st.org !== target.org) fail("root", "a signed root is another fund's or kind's");
      if (!(String(st.from) <= d.date && d.date <= String(st.to))) fail("period", "the document's day is outside " + st.period);
    }
    const up = proof.up || [];
    if ((up.length ? up[up.length - 1].period : month.period) !== proof.period) fail("path", "the path does not end at the proof's period");
    // the roots are in the organization's public log, under its signed head: none was given to donors alone
    const log = proof.log || {}, head = await checkSigned(key, log.head || {});
    const places = new Map((log.entries || []).map((e) => [e.index, e.path]));
    for (const p of new Set([month.period, proof.period])) {
      const e = signed[p], i = e.statement.seq;
      if (!Number.isInteger(i) || !places.has(i)) fail("log", "the signed root of " + p + " is not in the public log");
      const root = await logFold(i, head.size, await sha(cat([Uint8Array.of(0), enc.encode(canonical(e))])), places.get(i));
      if (!same(root, unhex(head.root))) fail("log", "the signed root of " + p + " is not in the public log");
    }
    const at = (value, period, size) => {
      const st = roots[period];
      if (st && (!same(value[0], unhex(st.root)) || value[1] !== st.total || size !== st.leaves)) fail("root", "a path does not lead to the signed root of " + period);
    };
    let got = 0, monthRoot = null;
    const places2 = new Set();
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i];
      if (p.piece !== i) fail("format", "pieces are listed in order");
      if (!Number.isInteger(p.index)) fail("format", "a place is a whole number");
      const h = await sha(cat([Uint8Array.of(0), salt, Uint8Array.of(i, pieces.length), u64(p.amount), str(d.number), str(d.fund), enc.encode(d.date), str(d.kind)]));
      const v = await sumFold(p.index, month.size, [h, p.amount], p.path);
      if (monthRoot && (!same(v[0], monthRoot[0]) || v[1] !== monthRoot[1])) fail("root", "the pieces lead to different roots");
      monthRoot = v;
      if (places2.has(p.index)) fail("duplicate", "two pieces stand in one place");
      places2.add(p.index);
      got += p.amount;
    }
    at(monthRoot, month.period, month.size);
    let v = monthRoot;
    for (const s of up) { v = await sumFold(s.index, s.size, v, s.path); at(v, s.period, s.size); }
    if (!same(v[0], unhex(target.root)) || v[1] !== target.total) fail("root", "the pieces do not lead to the signed root");
    if (got !== d.amount) fail("pieces", "the pieces do not add up to the document's amount");
    return target;
  }

  async function fingerprint(raw) {
    const h = hex(await sha(raw)).slice(0, 32);
    return h.match(/..../g).join(" ");
  }

  // a compact proof (ledger/proofcheck.py pack_proof) and its month's context back into the JSON proof
  const dec = new TextDecoder("utf-8", { fatal: true });
  function unpack(data, context) {
    const b = new Uint8Array(data);
    let at = 0;
    const take = (n) => { if (at + n > b.length) fail("format", "the compact proof is cut short"); at += n; return b.subarray(at - n, at); };
    const uv = () => {
      let n = 0n, shift = 0n, x;
      do {
        x = take(1)[0];
        n |= BigInt(x & 0x7f) << shift;
        shift += 7n;
        if ((x & 0x80) && shift > 63n) fail("format", "a number in the compact proof is too long");
      } while (x & 0x80);
      if (x === 0 && shift > 7n) fail("format", "a number in the compact proof is not in its shortest form");
      if (n > BigInt(Number.MAX_SAFE_INTEGER)) fail("format", "a number in the proof is larger than this browser checks");
      return Number(n);
    };
    const text = () => { try { return dec.decode(take(uv())); } catch (e) { if (e.kind) throw e; fail("format", "a text is not UTF-8"); } };
    const magic = take(4);
    if (!same(Array.from(magic), [0x51, 0x50, 0x46, 0x01])) fail("format", "not a compact Quỹ proof");
    const salt = hex(take(32)), amount = uv(), number = text(), fund = text();
    const day = String.fromCharCode(...take(10));
    const kind = text(), period = text(), size = uv(), n = take(1)[0], pieces = [];
    for (let i = 0; i < n; i++) {
      const a = uv(), index = uv(), steps = take(1)[0], path = [];
      for (let j = 0; j < steps; j++) path.push([hex(take(32)), uv()]);
      pieces.push({ piece: i, amount: a, index, path });
    }
    if (at !== b.length) fail("format", "bytes follow the end of the compact proof");
    if (context !== undefined && context !== null && (typeof context !== "object" || Array.isArray(context))) fail("format", "a context is a JSON object");
    const ctx = context || {};
    if (context && (ctx.period !== period || ctx.month !== day.slice(0, 7))) fail("period", "the context is of another month or period");
    return { format: "quy-proof/1", period, document: { number, fund, date: day, amount, kind, salt },
             month: { period: day.slice(0, 7), size }, pieces, up: ctx.up || [], roots: ctx.roots || [], log: ctx.log || null };
  }

  // the checker alone, for the benchmark and for anyone who wants to call it from the console
  window.quyProof = { verify, canonical, unpack };
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
      if (t.kind && doc.kind !== t.kind) fail("document", "the proof is of another kind of document");
      if (!String(doc.number).startsWith("CK/") && ((t.number && doc.number !== t.number) ||
          (t.amount && doc.amount !== Number(t.amount)))) fail("document", "the proof is of another document or amount");
      const org = (proof.roots && proof.roots[0] && proof.roots[0].statement.org) || "";
      const kr = await fetch(t.keyUrl.replace("__ORG__", encodeURIComponent(org)), { headers: { Accept: "application/json" } });
      if (!kr.ok) fail("fetch", "HTTP " + kr.status);
      const k = await kr.json();
      let key;
      try {
        if (!window.crypto || !crypto.subtle) throw new Error("no WebCrypto");
        key = await crypto.subtle.importKey("raw", unhex(k.public_key), { name: "Ed25519" }, false, ["verify"]);
      } catch (e) {  // this browser cannot check: say so plainly, never that the proof failed
        box.dataset.state = "unsupported";
        say("muted", t.unsupported);
        return;
      }
      const t0 = performance.now();
      const target = await verify(proof, key);
      const ms = performance.now() - t0;
      box.dataset.ms = ms.toFixed(2);
      box.dataset.state = "ok";
      say("flash", t.ok.replace("{amount}", vnd(proof.document.amount)).replace("{total}", vnd(target.total))
        .replace("{fund}", target.fund).replace("{period}", target.period));
      box.querySelector("[data-fingerprint]").textContent = await fingerprint(unhex(k.public_key));
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
