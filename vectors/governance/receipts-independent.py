#!/usr/bin/env python3
"""Independent expected values for vectors/governance/receipts.json.

Signed proposals and votes come from sign-inputs.mjs (deterministic Ed25519 over this repo's
canonical bytes; signing is pinned separately by the RFC 8032 vectors). Everything checked is
recomputed here without this repository's code: the proposal hash (SHA-256 over
"icn/governance/proposal/v1" ‖ 0x00 ‖ canonical JSON), tallies and outcome from the proposal's
rules, vote_hash / decision_hash (hand-built bytes, b3sum), and the receipt id (SHA-256 over
"icn/governance/receipt/v1" ‖ 0x00 ‖ canonical JSON of the receipt body).
Run: python3 vectors/governance/receipts-independent.py > vectors/governance/receipts.json
"""
import hashlib, json, os, struct, subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
CHOICE = {"For": 0, "Against": 1, "Abstain": 2}
OUTCOME = {"Accepted": 0, "Rejected": 1, "NoQuorum": 2}
U64 = lambda v: struct.pack("<Q", v)


def canon(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha(tag, v):
    return "sha256:" + hashlib.sha256(tag.encode() + b"\0" + canon(v)).hexdigest()


def b3(data):
    return subprocess.run(["b3sum", "--no-names"], input=data, capture_output=True, check=True).stdout.decode().strip()


def lenstr(s):
    b = s.encode("utf-8")
    return U64(len(b)) + b


SPECS = [
    {"proposer": 11, "proposal_id": "prop-text-1", "domain_id": "coop:alpha", "payload": {"kind": "Text", "body": "We adopt the seven cooperative principles."},
     "electorate": [[11, "1"], [12, "2"], [13, "3"], [14, "4"]], "quorum": "3", "threshold_ppm": None, "created_at": 100,
     "votes": [[13, "For", 201], [11, "Against", 202], [12, "Abstain", 203]], "decided_at": 300},
    {"proposer": 12, "proposal_id": "prop-spend-7", "domain_id": "treasury:alpha",
     "payload": {"kind": "Treasury", "operation": {"op": "Spend", "treasury_did": "treasury:alpha", "recipient": "bob", "amount": "40", "currency": "hours", "memo": "tools", "nonce": "7"}},
     "electorate": [[11, "5"], [12, "5"], [13, "5"]], "quorum": "10", "threshold_ppm": 666667, "created_at": 1000,
     "votes": [[11, "For", 1001], [12, "For", 1002], [13, "Against", 1003]], "decided_at": 2000},
    {"proposer": 13, "proposal_id": "prop-budget-q", "domain_id": "coop:beta", "payload": {"kind": "Budget", "amount": "500", "currency": "hours", "purpose": "garden"},
     "electorate": [[11, "1"], [12, "1"], [13, "1"], [14, "1"]], "quorum": "3", "threshold_ppm": None, "created_at": 5,
     "votes": [[14, "For", 6]], "decided_at": 9},
]

signed = json.loads(subprocess.run(["node", os.path.join(HERE, "sign-inputs.mjs"), json.dumps(SPECS)], capture_output=True, check=True).stdout)

cases = []
for spec, s in zip(SPECS, signed):
    p, votes = s["proposal"], s["votes"]
    weights = {e["voter"]: int(e["weight"]) for e in p["electorate"]}
    sums = {"For": 0, "Against": 0, "Abstain": 0}
    for v in votes:
        sums[v["choice"]] += weights[v["voter"]]
    total = sum(sums.values())
    if total < int(p["quorum"]):
        outcome = "NoQuorum"
    elif p["threshold_ppm"] is None:
        outcome = "Accepted" if sums["For"] > sums["Against"] else "Rejected"
    else:
        d = sums["For"] + sums["Against"]
        outcome = "Accepted" if d > 0 and sums["For"] * 10**6 >= p["threshold_ppm"] * d else "Rejected"
    sv = sorted(votes, key=lambda v: (v["voter"].encode(), CHOICE[v["choice"]]))
    data = b"icn:vote-hash:v1" + U64(len(sv))
    for v in sv:
        data += lenstr(v["voter"]) + bytes([CHOICE[v["choice"]]]) + U64(int(v["weight"]))
    vh = b3(data)
    dh = b3(b"icn:gov:decision:v1" + lenstr(p["proposal_id"]) + lenstr(p["domain_id"]) + bytes([OUTCOME[outcome]]) + U64(sums["For"]) + U64(sums["Against"]) + U64(sums["Abstain"]) + bytes.fromhex(vh))
    body = {"version": "icn-governance-receipt/v1", "proposal_id": p["proposal_id"], "domain_id": p["domain_id"], "proposal_hash": sha("icn/governance/proposal/v1", p),
            "outcome": outcome, "tally": {"for": str(sums["For"]), "against": str(sums["Against"]), "abstain": str(sums["Abstain"])}, "votes": sv,
            "vote_hash": vh, "decision_hash": dh, "determinism_class": p["determinism_class"], "decided_at": spec["decided_at"],
            "formats": {"vote_hash": "icn:vote-hash:v1/blake3", "decision_hash": "icn:gov:decision:v1/blake3"}}
    cases.append({"name": spec["proposal_id"], "proposal": p, "votes": votes, "decided_at": spec["decided_at"],
                  "expect": {"proposal_hash": body["proposal_hash"], "outcome": outcome, "vote_hash": vh, "decision_hash": dh, "receipt_id": sha("icn/governance/receipt/v1", body)}})

print(json.dumps({
    "format": "icn-vectors/v1",
    "kind": "governance-receipt",
    "description": "Decision receipts from signed proposals and votes: votes verified, tallied under the proposal's rules, ICN vote_hash/decision_hash, proposal hash and receipt id.",
    "source": "icn-semantics.md; expected values from vectors/governance/receipts-independent.py (hashlib, b3sum; signatures from sign-inputs.mjs)",
    "cases": cases,
}, ensure_ascii=False, indent=1))
