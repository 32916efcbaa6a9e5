#!/usr/bin/env python3
"""Independent expected values for vectors/trust/two-hop.json.

Re-derives, with Python's hashlib and fractions only: attestation hashes (SHA-256 over
"icn/trust/attestation/v1" ‖ 0x00 ‖ canonical JSON), the supersede rule (max by (issued_at,
hash)), ICN's two-hop score as an exact fraction floored to ppm, the classes, and the trust root.
DIDs are the did:icn spellings of Ed25519 keys from 32-byte seeds filled with the seed number
(pinned by vectors/icn/did.json). Run: python3 vectors/trust/independent.py > vectors/trust/two-hop.json
"""
import hashlib, json
from fractions import Fraction
from math import floor

DIDS = {1: "did:icn:zAKnL4NNf3DGWZJS6cPknBuEGnVsV4A4m5tgebLHaRSZ9", 2: "did:icn:z9hSR6S7WPtxmTojgo6GG3k4yDPecgJY292j7xrsUGWBu",
        3: "did:icn:zGyGKxMyg1p9SsHfm15MkNUu1u9TN2JtTspcdmrtGUdse", 4: "did:icn:zEdmxWPmx2WH6WgFfTdu9xfkYf3k1g5wD1zccTVySEEh1",
        5: "did:icn:z8SFqwqnq4whPhs8icwHA2hQg3hUoN1qrCLK1SBx3WKwe", 6: "did:icn:zAKkzLhjhyFtM9j7WAhbaqYpFe49cXeJBg2kzLRC2PnNa"}


def canon(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def h(tag, v):
    return "sha256:" + hashlib.sha256(tag.encode() + b"\0" + canon(v)).hexdigest()


def klass(ppm):
    return "Isolated" if ppm < 100000 else "Known" if ppm < 400000 else "Partner" if ppm < 700000 else "Federated"


def build(atts):
    edges = {}
    for a in atts:
        body = {"version": "icn-trust-attestation/v1", "from": DIDS[a["from"]], "to": DIDS[a["to"]], "score_ppm": a["score_ppm"], "issued_at": a["issued_at"]}
        e = (a["issued_at"], h("icn/trust/attestation/v1", body), a["score_ppm"])
        k = (DIDS[a["from"]], DIDS[a["to"]])
        if k not in edges or e[:2] > edges[k][:2]:
            edges[k] = e
    return edges


def score(edges, own, target):
    if own == target:
        return 1000000
    o, t = DIDS[own], DIDS[target]
    direct = Fraction(edges[(o, t)][2], 10**6) if (o, t) in edges else Fraction(0)
    prods = [Fraction(e[2], 10**6) * Fraction(edges[(i, t)][2], 10**6) for (f, i), e in edges.items() if f == o and i != t and i != o and (i, t) in edges]
    s = direct * Fraction(7, 10) + (sum(prods, Fraction(0)) / len(prods) * Fraction(3, 10) if prods else 0)
    return min(10**6, floor(s * 10**6))


def root(edges):
    rows = [[f, t, e[2], e[0], e[1]] for (f, t), e in sorted(edges.items())]
    return h("icn/trust/root/v1", {"version": "icn-trust-root/v1", "edges": rows})


A = lambda f, t, s, at=1: {"from": f, "to": t, "score_ppm": s, "issued_at": at}
CASES = [
    ("icn-seed-deployer-trust", "ICN's multi-node facts: direct 0.2 → 0.14 (Known, below MIN_DEPLOYER_TRUST 0.4); direct 0.6 → 0.42 (Partner, accepted)",
     [A(1, 2, 200000), A(1, 3, 600000)], [(1, 2), (1, 3), (2, 1), (1, 1)]),
    ("two-hop-mean", "own 1 → target 4 via 2 and 3, with a direct edge; 5 reaches 4 but 1 does not trust 5",
     [A(1, 4, 500000), A(1, 2, 900000), A(2, 4, 800000), A(1, 3, 333333), A(3, 4, 100000), A(5, 4, 1000000)], [(1, 4), (1, 2), (2, 4), (5, 4), (4, 1)]),
    ("two-hop-only", "no direct edge: only 0.3 × mean of products counts",
     [A(1, 2, 1000000), A(2, 3, 1000000), A(1, 4, 250000), A(4, 3, 400000)], [(1, 3), (1, 2), (2, 3)]),
    ("supersede-newer-and-tie", "1→2 attested three times: the newest wins; two attestations 1→3 at the same time: the greater attestation hash wins",
     [A(1, 2, 900000, 5), A(1, 2, 100000, 7), A(1, 2, 999999, 6), A(1, 3, 111111, 9), A(1, 3, 777777, 9), A(3, 2, 500000, 1)], [(1, 2), (1, 3), (3, 2)]),
    ("federated", "strong direct and strong two-hop paths reach Federated; the cap is never exceeded",
     [A(1, 2, 1000000), A(1, 3, 1000000), A(3, 2, 1000000), A(1, 4, 700000), A(4, 2, 1000000), A(2, 6, 1)], [(1, 2), (1, 6), (1, 4)]),
]

cases = []
for name, desc, atts, queries in CASES:
    edges = build(atts)
    cases.append({"name": name, "about": desc, "attestations": atts,
                  "queries": [{"from": f, "to": t, "score_ppm": score(edges, f, t), "class": klass(score(edges, f, t))} for f, t in queries],
                  "expect": {"root": root(edges)}})

print(json.dumps({
    "format": "icn-vectors/v1",
    "kind": "trust-score",
    "description": "Signed trust attestations (seeds 1..6) applied in file order and in reverse: ICN two-hop scores in ppm (exact value floored), classes at 0.1/0.4/0.7, and the trust root (must not depend on order).",
    "source": "icn-semantics.md (icn-trust); expected values from vectors/trust/independent.py (hashlib + fractions)",
    "cases": cases,
}, ensure_ascii=False, indent=1))
