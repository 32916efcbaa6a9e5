#!/usr/bin/env python3
"""Independent expected values for vectors/governance/decision-hashes.json.

Builds ICN's vote_hash and decision_hash byte strings by hand (struct.pack '<Q' for u64le) and
hashes them with the b3sum binary (Debian's b3sum, the BLAKE3 reference Rust implementation): no
code from this repository is involved. Run: python3 vectors/governance/independent.py > vectors/governance/decision-hashes.json
"""
import json, struct, subprocess

DIDS = {
    "1": "did:icn:zAKnL4NNf3DGWZJS6cPknBuEGnVsV4A4m5tgebLHaRSZ9",
    "2": "did:icn:z9hSR6S7WPtxmTojgo6GG3k4yDPecgJY292j7xrsUGWBu",
    "3": "did:icn:zGyGKxMyg1p9SsHfm15MkNUu1u9TN2JtTspcdmrtGUdse",
    "7": "did:icn:zGmaDrppBC7P5ARKV8g3djiwP89vz1jLK23V2GBjuAEGB",
}
CHOICE = {"For": 0, "Against": 1, "Abstain": 2}
OUTCOME = {"Accepted": 0, "Rejected": 1, "NoQuorum": 2}
U64 = lambda v: struct.pack("<Q", v)


def b3(data: bytes) -> str:
    return subprocess.run(["b3sum", "--no-names"], input=data, capture_output=True, check=True).stdout.decode().strip()


def lenstr(s: str) -> bytes:
    b = s.encode("utf-8")
    return U64(len(b)) + b


def vote_hash(votes):
    vs = sorted(votes, key=lambda v: (v["voter"].encode("utf-8"), CHOICE[v["choice"]]))
    data = b"icn:vote-hash:v1" + U64(len(vs))
    for v in vs:
        data += lenstr(v["voter"]) + bytes([CHOICE[v["choice"]]]) + U64(int(v["weight"]))
    return b3(data)


def decision_hash(pid, dom, outcome, f, a, ab, vh):
    data = b"icn:gov:decision:v1" + lenstr(pid) + lenstr(dom) + bytes([OUTCOME[outcome]]) + U64(f) + U64(a) + U64(ab) + bytes.fromhex(vh)
    return b3(data)


CASES = [
    ("no-votes-no-quorum", "prop-0", "coop:alpha", "NoQuorum", []),
    ("three-dids-accepted", "prop-42", "coop:alpha", "Accepted", [
        {"voter": DIDS["3"], "choice": "For", "weight": "5"},
        {"voter": DIDS["1"], "choice": "Against", "weight": "2"},
        {"voter": DIDS["7"], "choice": "Abstain", "weight": "1"},
    ]),
    ("input-order-irrelevant-rejected", "prop-42", "coop:alpha", "Rejected", [
        {"voter": DIDS["1"], "choice": "Against", "weight": "9"},
        {"voter": DIDS["2"], "choice": "For", "weight": "3"},
        {"voter": DIDS["7"], "choice": "For", "weight": "1"},
    ]),
    ("same-voter-sorted-by-choice", "budget/2026", "fed:north", "Accepted", [
        {"voter": DIDS["2"], "choice": "Abstain", "weight": "1"},
        {"voter": DIDS["2"], "choice": "For", "weight": "4"},
        {"voter": DIDS["2"], "choice": "Against", "weight": "2"},
    ]),
    ("utf8-lengths-and-u64-max", "résolution-€", "coopé:ß", "Accepted", [
        {"voter": "voter-ü", "choice": "For", "weight": "18446744073709551615"},
        {"voter": "voter-a", "choice": "Against", "weight": "0"},
    ]),
    ("empty-ids", "", "", "Rejected", [{"voter": DIDS["1"], "choice": "Against", "weight": "1"}]),
]

cases = []
for name, pid, dom, outcome, votes in CASES:
    sums = {"For": 0, "Against": 0, "Abstain": 0}
    for v in votes:
        sums[v["choice"]] += int(v["weight"])
    vh = vote_hash(votes)
    dh = decision_hash(pid, dom, outcome, sums["For"], sums["Against"], sums["Abstain"], vh)
    cases.append({"name": name, "proposal_id": pid, "domain_id": dom, "outcome": outcome, "votes": votes,
                  "expect": {"vote_hash": vh, "decision_hash": dh, "for": str(sums["For"]), "against": str(sums["Against"]), "abstain": str(sums["Abstain"])}})

print(json.dumps({
    "format": "icn-vectors/v1",
    "kind": "governance-hash",
    "description": "ICN's vote_hash and decision_hash (BLAKE3 over tag ‖ u64le lengths ‖ UTF-8 ‖ choice/outcome bytes ‖ u64le weights/tallies ‖ vote_hash; votes sorted by (voter bytes, choice)). Tallies are the sums of vote weights per choice; the outcome is given.",
    "source": "icn-semantics.md (icn-governance, icn-kernel-api); expected values from vectors/governance/independent.py (hand-built bytes, b3sum 1.2.0)",
    "cases": cases,
}, ensure_ascii=False, indent=1))
