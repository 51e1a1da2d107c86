#!/usr/bin/env python3
"""Module dependency graph of a crate's top-level modules, from the `crate::X` paths in its
non-test code (comments, `tests.rs` files and everything after a file's `#[cfg(test)]` are
skipped). Prints the cycles (strongly connected components); `-v` prints every edge too;
exits 1 if there is a cycle. Usage: module-graph.py CRATE/src [-v]"""
import os, re, sys
root = sys.argv[1]  # crate src dir
mods = {}
for dp, dn, fn in os.walk(root):
    for f in fn:
        if not f.endswith('.rs'): continue
        p = os.path.join(dp, f)
        rel = os.path.relpath(p, root)
        top = rel.split(os.sep)[0]
        top = top[:-3] if top.endswith('.rs') else top
        if top in ('lib', 'main'): top = '<root>'
        mods.setdefault(top, []).append(p)
edges = set()
for m, files in mods.items():
    for p in files:
        if os.path.basename(p) == 'tests.rs' or os.sep + 'tests' + os.sep in p: continue
        for line in open(p):
            if line.startswith('#[cfg(test)]'): break
            s = line.strip()
            if s.startswith('//'): continue
            for t in re.findall(r'\bcrate::(\w+)', s):
                if t != m and t in mods: edges.add((m, t))
            if m != '<root>':
                for t in re.findall(r'\bsuper::(\w+)', s):
                    pass
# super:: within top-level file refers to crate root; ignore.
import collections
g = collections.defaultdict(set)
for a, b in edges:
    if a != '<root>' and b != '<root>': g[a].add(b)
# find cycles via Tarjan SCC
idx = {}; low = {}; st = []; on = set(); sccs = []; c = [0]
def sc(v):
    idx[v] = low[v] = c[0]; c[0] += 1; st.append(v); on.add(v)
    for w in g[v]:
        if w not in idx: sc(w); low[v] = min(low[v], low[w])
        elif w in on: low[v] = min(low[v], idx[w])
    if low[v] == idx[v]:
        comp = []
        while True:
            w = st.pop(); on.discard(w); comp.append(w)
            if w == v: break
        if len(comp) > 1: sccs.append(comp)
for v in list(mods):
    if v not in idx and v != '<root>': sc(v)
if '-v' in sys.argv:
    for a, b in sorted(edges): print(f"{a} -> {b}")
print("cycles:", sccs if sccs else "none")
sys.exit(1 if sccs else 0)
