#!/usr/bin/env python3
"""Generates a node_modules-like service: ~20,000 files, ~100 MB, deterministic content.

usage: gen_tree.py DIR
"""
import os
import random
import sys

root = sys.argv[1]
rnd = random.Random(42)
words = [
    "function", "return", "const", "let", "var", "module", "exports", "require", "this",
    "async", "await", "if", "else", "for", "while", "new", "class", "extends", "null",
    "undefined", "true", "false", "object", "string", "number", "value", "index", "length",
]
os.makedirs(os.path.join(root, "node_modules"), exist_ok=True)
with open(os.path.join(root, "serverless.yml"), "w") as f:
    f.write("service: bench\nframeworkVersion: '3'\nprovider:\n  name: aws\n  runtime: nodejs18.x\nfunctions:\n  hello:\n    handler: handler.hello\n")
with open(os.path.join(root, "handler.js"), "w") as f:
    f.write("module.exports.hello = async () => ({ statusCode: 200 });\n")
deps = {}
total = 0
files = 0
for p in range(400):
    name = f"pkg-{p:03d}"
    deps[name] = "1.0.0"
    base = os.path.join(root, "node_modules", name)
    for d in range(5):
        sub = os.path.join(base, "lib", f"part{d}")
        os.makedirs(sub, exist_ok=True)
        for i in range(10):
            size = rnd.randint(1000, 9000)
            text = []
            n = 0
            while n < size:
                w = rnd.choice(words)
                text.append(w)
                n += len(w) + 1
            body = " ".join(text)
            with open(os.path.join(sub, f"file{i}.js"), "w") as f:
                f.write(body)
            total += len(body)
            files += 1
    with open(os.path.join(base, "package.json"), "w") as f:
        f.write('{"name": "%s", "version": "1.0.0"}' % name)
    files += 1
with open(os.path.join(root, "package.json"), "w") as f:
    import json
    json.dump({"name": "bench", "version": "1.0.0", "dependencies": deps}, f)
print(f"{files} files, {total / 1e6:.1f} MB in {root}")
