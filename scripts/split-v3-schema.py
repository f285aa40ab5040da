#!/usr/bin/env python3
"""Turns the schema recorded by dump-v3-schema.js into the form sls embeds
(crates/sls-config/src/schema/v3-schema.json): a small `root`, and `lazy` parts (definitions
as `d:<name>`, larger subschemas as `p<n>` behind `$ref: #/lazy/p<n>`) parsed on first use.
Usage: scripts/split-v3-schema.py <dumped.json> <out.json>"""
import json, sys

s = json.load(open(sys.argv[1]))
lazy = {f"d:{k}": v for k, v in s.pop("definitions").items()}
n = 0

def park(v):
    global n
    n += 1
    lazy[f"p{n}"] = v
    return {"$ref": f"#/lazy/p{n}"}

def big(v):
    return isinstance(v, dict) and len(json.dumps(v)) > 300

def cut(node, depth):
    if not isinstance(node, dict):
        return
    for key in ("properties", "patternProperties"):
        if isinstance(node.get(key), dict):
            for k, v in node[key].items():
                cut(v, depth + 1)
                if big(v) and depth >= 1:
                    node[key][k] = park(v)
    for key in ("anyOf", "oneOf", "allOf"):
        if isinstance(node.get(key), list):
            for i, v in enumerate(node[key]):
                cut(v, depth + 1)
                if big(v):
                    node[key][i] = park(v)
    for key in ("items", "additionalProperties"):
        cut(node.get(key), depth + 1)

cut(s, 0)
for k in [k for k in lazy if k.startswith("d:")]:
    cut(lazy[k], 1)
json.dump({"root": s, "lazy": lazy}, open(sys.argv[2], "w"), separators=(",", ":"))
