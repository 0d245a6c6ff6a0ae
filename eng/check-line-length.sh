#!/usr/bin/env bash
# Fails when a C# or Razor source line is longer than the limit in .editorconfig (max_line_length = 140).
# ./gov test runs it; layout itself is CSharpier's (dotnet csharpier format .), which wraps code but not long literals.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
limit=140
cd "$root"
too_long=$(git ls-files '*.cs' '*.razor' | xargs awk -v limit="$limit" 'length($0) > limit { printf "%s:%d: %d characters\n", FILENAME, FNR, length($0) }')
if [ -n "$too_long" ]; then
  printf '%s\n' "$too_long" >&2
  echo "$(printf '%s\n' "$too_long" | wc -l) line(s) longer than $limit characters (see .editorconfig)" >&2
  exit 1
fi
