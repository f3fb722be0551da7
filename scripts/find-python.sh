#!/usr/bin/env bash
# Prints an interpreter of the wanted minor version: find-python.sh 3.10 [ENV_VAR_NAME]
set -euo pipefail
want="$1"; override="${2:-}"
candidates=()
[ -n "$override" ] && [ -n "${!override:-}" ] && candidates+=("${!override}")
candidates+=("python$want")
for path in "$HOME"/.pyenv/versions/"$want".*/bin/python /usr/bin/python"$want" /usr/local/bin/python"$want"; do
  [ -x "$path" ] && candidates+=("$path")
done
for candidate in "${candidates[@]}"; do
  version=$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || continue
  if [ "$version" = "$want" ]; then command -v "$candidate"; exit 0; fi
done
{
  echo "error: no Python $want found (tried: ${candidates[*]})."
  [ -n "$override" ] && echo "Install Python $want (e.g. 'pyenv install $want' or 'apt-get install python$want python$want-venv'), or point $override at one."
} >&2
exit 1
