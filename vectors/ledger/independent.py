#!/usr/bin/env python3
"""Independent expected values for vectors/ledger/journal-roots.json.

A second implementation, in Python with hashlib only: entry ids (SHA-256 over
"icn/ledger/entry/v1" ‖ 0x00 ‖ canonical JSON of the unsigned body), the journal root built in
one batch as a crit-bit tree over the sorted ids (split each set at the first bit where its
smallest and largest id differ: the same tree core/ledger builds by insertion), the ledger root,
validity (balanced per currency with i64-checked running sums, amounts ≥ 0), credit limits
checked in ingest order with orphans waiting for parents (released breadth-first, sorted), and
balances. Signatures are not part of ids; the vector kind signs with the seed keys.
Run: python3 vectors/ledger/independent.py > vectors/ledger/journal-roots.json
"""
import hashlib, json

DIDS = {1: "did:icn:zAKnL4NNf3DGWZJS6cPknBuEGnVsV4A4m5tgebLHaRSZ9", 2: "did:icn:z9hSR6S7WPtxmTojgo6GG3k4yDPecgJY292j7xrsUGWBu",
        3: "did:icn:zGyGKxMyg1p9SsHfm15MkNUu1u9TN2JtTspcdmrtGUdse", 4: "did:icn:zEdmxWPmx2WH6WgFfTdu9xfkYf3k1g5wD1zccTVySEEh1"}
I64_MIN, I64_MAX = -(1 << 63), (1 << 63) - 1
ZERO = "sha256:" + "00" * 32


def canon(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha(data):
    return hashlib.sha256(data).digest()


def leaf(k):
    return sha(b"icn/ledger/merkle-leaf/v1\0" + k)


def node(bit, l, r):
    return sha(b"icn/ledger/merkle-node/v1\0" + bit.to_bytes(2, "big") + l + r)


def bit_of(k, i):
    return (k[i >> 3] >> (7 - (i & 7))) & 1


def tree(keys):
    if len(keys) == 1:
        return leaf(keys[0])
    a, b = int.from_bytes(keys[0], "big"), int.from_bytes(keys[-1], "big")
    crit = 256 - (a ^ b).bit_length()
    left = [k for k in keys if bit_of(k, crit) == 0]
    right = [k for k in keys if bit_of(k, crit) == 1]
    return node(crit, tree(left), tree(right))


def journal_root(ids):
    if not ids:
        return "sha256:" + sha(b"icn/ledger/merkle-node/v1\0").hex()
    return "sha256:" + tree(sorted(bytes.fromhex(i[7:]) for i in ids)).hex()


def stateless(e):
    if not e["accounts"]:
        return "LEDGER_EMPTY"
    sums = {}
    for a in e["accounts"]:
        if a["debit"] is None and a["credit"] is None:
            return "LEDGER_EMPTY"
        d, c = int(a["debit"] or 0), int(a["credit"] or 0)
        if d > I64_MAX or c > I64_MAX:
            return "LEDGER_OVERFLOW"
        if d < 0 or c < 0:
            return "LEDGER_NEGATIVE_AMOUNT"
        s = sums.get(a["currency"], 0) + d - c
        if not I64_MIN <= s <= I64_MAX:
            return "LEDGER_OVERFLOW"
        sums[a["currency"]] = s
    return "LEDGER_UNBALANCED" if any(sums.values()) else None


def run(case):
    specs, ids, bodies, errors = case["entries"], [], [], {}
    for i, s in enumerate(specs):
        body = {"version": "icn-ledger-entry/v1", "timestamp": s["timestamp"], "author": DIDS[s["seed"]], "contract_ref": s["contract_ref"],
                "accounts": s["accounts"], "parents": sorted(ids[p] for p in s["parents"]), "nonce": s["nonce"], "decision_receipt_id": s["decision_receipt_id"]}
        err = stateless(body)
        bodies.append(body)
        if err:
            errors[i] = err
            ids.append(ZERO)
        else:
            ids.append("sha256:" + sha(b"icn/ledger/entry/v1\0" + canon(body)).hex())
    limits = {(a, c): int(l) for a, c, l in case["credit_limits"]}
    default = int(case["default_credit_limit"])
    balances, applied, pending, waiting = {}, set(), {}, {}

    def apply(i):
        staged = dict(balances)
        for a in bodies[i]["accounts"]:
            k = (a["account_id"], a["currency"])
            staged[k] = staged.get(k, 0) + int(a["credit"] or 0) - int(a["debit"] or 0)
            if not I64_MIN <= staged[k] <= I64_MAX:
                return "LEDGER_OVERFLOW"
        for a in bodies[i]["accounts"]:
            k = (a["account_id"], a["currency"])
            if staged[k] < -limits.get(k, default):
                return "LEDGER_CREDIT_LIMIT"
        balances.update(staged)
        applied.add(ids[i])
        return None

    def release(i):
        ready = [i]
        while ready:
            nxt = []
            for p in ready:
                for kid in sorted(waiting.pop(ids[p], set()), key=lambda j: ids[j]):
                    if kid not in pending or not all(q in applied for q in bodies[kid]["parents"]):
                        continue
                    del pending[kid]
                    err = apply(kid)
                    if err:
                        errors[kid] = err
                    else:
                        nxt.append(kid)
            ready = sorted(nxt, key=lambda j: ids[j])

    for i in case["ingest_order"]:
        if i in errors or ids[i] in applied or i in pending:
            continue
        missing = [p for p in bodies[i]["parents"] if p not in applied]
        if missing:
            pending[i] = True
            for p in missing:
                waiting.setdefault(p, set()).add(i)
            continue
        err = apply(i)
        if err:
            errors[i] = err
        else:
            release(i)
    jr = journal_root(sorted(applied))
    lr = "sha256:" + sha(b"icn/ledger/root/v1\0" + canon({"version": "icn-ledger-root/v1", "journal": jr, "entries": len(applied), "default_credit_limit": str(default),
                                                        "credit_limits": [[a, c, str(l)] for (a, c), l in sorted(limits.items())]})).hex()
    bal = [[a, c, str(v)] for (a, c), v in sorted(balances.items(), key=lambda kv: kv[0][0] + "\0" + kv[0][1]) if v != 0]
    return {"ids": ids, "journal_root": jr, "ledger_root": lr, "balances": bal, "errors": {str(k): v for k, v in sorted(errors.items())}}


def T(frm, to, amt, cur="hours"):
    return [{"account_id": frm, "currency": cur, "debit": str(amt), "credit": None}, {"account_id": to, "currency": cur, "debit": None, "credit": str(amt)}]


def E(seed, ts, accounts, parents=(), contract_ref=None, nonce=None, receipt=None):
    return {"seed": seed, "timestamp": ts, "accounts": accounts, "parents": list(parents), "contract_ref": contract_ref, "nonce": nonce, "decision_receipt_id": receipt}


DAG = [E(1, 1, T("ann", "ben", 5)), E(2, 2, T("ben", "cy", 3), [0]), E(3, 3, T("cy", "ann", 2), [0]), E(1, 4, T("ann", "cy", 1), [1, 2]),
       E(4, 5, T("dee", "ann", 7, "eur"), [3], contract_ref="sha256:" + "ab" * 32 + "#pay", nonce="n-1", receipt="sha256:" + "cd" * 32)]
MAX = str(I64_MAX)
CASES = [
    ("empty", "no entries: the empty root", 1, "0", [], [], []),
    ("one-transfer", "a single balanced transfer", 1, "100", [], [E(2, 1700000000000, T("ann", "ben", 40))], [0]),
    ("dag-in-order", "a five-entry DAG (two currencies, a contract ref and a decision receipt id) ingested parents first", 1, "100", [], DAG, [0, 1, 2, 3, 4]),
    ("dag-reverse-order", "the same DAG ingested children first: orphans wait, then release; same roots as in order", 1, "100", [], DAG, [4, 3, 2, 1, 0]),
    ("credit-limit", "ann may go to -10 hours: the second payment (−11) is rejected and its child never applies", 1, "0", [["ann", "hours", "10"]],
     [E(2, 1, T("ann", "ben", 10)), E(2, 2, T("ann", "ben", 1), [0]), E(2, 3, T("ben", "ann", 1), [1]), E(2, 4, T("ben", "ann", 4), [0])], [0, 1, 2, 3]),
    ("typed-errors", "unbalanced, per-currency imbalance, negative, overflowing amount, overflowing running sum, empty line: each rejected with its code", 1, "1000", [],
     [E(1, 1, [{"account_id": "a", "currency": "x", "debit": "5", "credit": None}, {"account_id": "b", "currency": "x", "debit": None, "credit": "4"}]),
      E(1, 2, [{"account_id": "a", "currency": "x", "debit": "5", "credit": None}, {"account_id": "b", "currency": "y", "debit": None, "credit": "5"}]),
      E(1, 3, [{"account_id": "a", "currency": "x", "debit": "-5", "credit": None}, {"account_id": "b", "currency": "x", "debit": None, "credit": "-5"}]),
      E(1, 4, [{"account_id": "a", "currency": "x", "debit": "9223372036854775808", "credit": None}, {"account_id": "b", "currency": "x", "debit": None, "credit": "9223372036854775808"}]),
      E(1, 5, [{"account_id": "a", "currency": "x", "debit": MAX, "credit": None}, {"account_id": "b", "currency": "x", "debit": "1", "credit": None}, {"account_id": "c", "currency": "x", "debit": None, "credit": "1"}]),
      E(1, 6, [{"account_id": "a", "currency": "x", "debit": None, "credit": None}]),
      E(1, 7, T("a", "b", 1, "x"))], [0, 1, 2, 3, 4, 5, 6]),
]

cases = []
for name, about, owner, default, limits, entries, order in CASES:
    case = {"name": name, "about": about, "owner_seed": owner, "default_credit_limit": default, "credit_limits": limits, "entries": entries, "ingest_order": order}
    case["expect"] = run(case)
    cases.append(case)

print(json.dumps({
    "format": "icn-vectors/v1",
    "kind": "ledger-root",
    "description": "Journal entries (ICN fields; authors are seed keys 1..4) ingested in a given order: entry ids, the crit-bit Merkle journal root, the ledger root (journal + credit limits), derived balances, and typed errors by entry index (ids of statelessly invalid entries are shown as zeros).",
    "source": "icn-semantics.md (icn-ledger); expected values from vectors/ledger/independent.py (a second implementation: hashlib, batch crit-bit tree)",
    "cases": cases,
}, ensure_ascii=False, indent=1))
