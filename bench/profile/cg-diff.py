#!/usr/bin/env python3
"""Per-iteration instruction cost by function: the difference of two callgrind runs at N1 and N2
iterations, divided by N2 - N1 (start-up and warm-up cancel).
  python3 bench/profile/cg-diff.py OUT.N1 OUT.N2 N1 N2 [--inclusive] [--top 30] [--grep REGEX]"""
import re, subprocess, sys

def load(path, inclusive):
    cmd = ['callgrind_annotate', '--threshold=100', path] + (['--inclusive=yes'] if inclusive else [])
    text = subprocess.run(cmd, capture_output=True, text=True).stdout
    costs = {}
    for line in text.splitlines():
        m = re.match(r'\s*([\d,]+)\s+\([^)]*\)\s+(.*)$', line)
        if not m or 'PROGRAM TOTALS' in line: continue
        key = re.sub(r"'\d+", '', m.group(2)).replace('???:', '')
        key = re.sub(r' \[/usr/bin/node\]$', '', key)
        costs[key] = max(costs.get(key, 0), int(m.group(1).replace(',', ''))) if inclusive else costs.get(key, 0) + int(m.group(1).replace(',', ''))
    return costs

a_path, b_path, n1, n2 = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
inclusive = '--inclusive' in sys.argv
top = int(sys.argv[sys.argv.index('--top') + 1]) if '--top' in sys.argv else 30
pattern = re.compile(sys.argv[sys.argv.index('--grep') + 1]) if '--grep' in sys.argv else None
a, b = load(a_path, inclusive), load(b_path, inclusive)
rows = [((b.get(k, 0) - a.get(k, 0)) / (n2 - n1), k) for k in set(a) | set(b)]
rows = [r for r in rows if pattern is None or pattern.search(r[1])]
rows.sort(reverse=True)
total = sum(r[0] for r in rows) if not inclusive else None
for cost, key in rows[:top]:
    print(f'{cost:9.1f}  {key[:150]}')
if total is not None: print(f'{total:9.1f}  (sum of self costs per iteration)')
