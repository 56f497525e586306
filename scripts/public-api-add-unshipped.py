#!/usr/bin/env python3
"""Adds every public symbol the analyzer reports as undeclared (RS0016) to the project's PublicAPI.Unshipped.txt.

Usage: python3 scripts/public-api-add-unshipped.py src/PgWire [src/PgWire.Dapper ...]
Run it after a deliberate change to the public surface, then review the diff of the .txt files like code: it is the
surface users see. Removed symbols (RS0017) are listed for you to delete by hand.
"""
import pathlib
import re
import subprocess
import sys

for project in sys.argv[1:]:
    directory = pathlib.Path(project)
    output = subprocess.run(
        ["dotnet", "build", str(directory), "--no-incremental", "-p:TreatWarningsAsErrors=false", "-clp:NoSummary"],
        capture_output=True, text=True).stdout
    # Only this project's diagnostics: a referenced project's are its own business.
    mine = "\n".join(l for l in output.splitlines() if l.rstrip().endswith(f"{directory.resolve() / directory.resolve().name}.csproj]"))
    added = sorted({m.group(1) for m in re.finditer(r"RS0016: Symbol '(.+?)' is not part of the declared public API", mine)})
    removed = sorted({m.group(1) for m in re.finditer(r"RS0017: Symbol '(.+?)' is part of the declared API, but", mine)})
    unshipped = directory / "PublicAPI.Unshipped.txt"
    lines = unshipped.read_text().splitlines()
    header = [l for l in lines if l.startswith("#")] or ["#nullable enable"]
    body = sorted(set(l for l in lines if l and not l.startswith("#")) | set(added))
    unshipped.write_text("\n".join(header + body) + "\n")
    print(f"{project}: {len(added)} added to {unshipped}")
    for symbol in removed:
        print(f"  no longer public (remove it from the .txt files): {symbol}")
