#!/usr/bin/env bash
# Fails when a C# or Razor source line is longer than the limit in .editorconfig (max_line_length = 140 characters,
# counted as characters, not bytes, as CSharpier counts them). ./gov test runs it; layout itself is CSharpier's
# (dotnet tool restore && dotnet csharpier format .), which wraps code but not long literals.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
limit=140
cd "$root"
too_long=$(git ls-files -z '*.cs' '*.razor' | LC_ALL=C.UTF-8 xargs -0 grep -nP "^.{$((limit + 1)),}\$" || true)
if [ -n "$too_long" ]; then
  printf '%s\n' "$too_long" | cut -c1-200 >&2
  echo "$(printf '%s\n' "$too_long" | wc -l) line(s) longer than $limit characters (see .editorconfig)" >&2
  exit 1
fi
