# Sourced by the scripts here: make .venv (once) and install mink with the extras in $MINK_EXTRAS
# whenever pyproject.toml changed since the last install.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  echo "creating $venv" >&2
  "$python" -m venv "$venv"
fi
extras="${MINK_EXTRAS:-dev}"
stamp="$venv/.mink-installed"
hash="$(sha256sum < "$root/pyproject.toml" | cut -d' ' -f1)"
# Up to date when pyproject.toml is unchanged and every extra asked for is installed.
current=""
if [ -f "$stamp" ]; then current="$(cat "$stamp")"; fi
installed_hash="${current%% *}"
installed_extras=",${current#* },"
missing=""
for extra in ${extras//,/ }; do
  case "$installed_extras" in *",$extra,"*) ;; *) missing=1 ;; esac
done
if [ "$installed_hash" != "$hash" ]; then
  missing=1
elif [ -n "$missing" ]; then
  extras="${current#* },$extras"  # keep what is installed, add what is asked for
fi
want="$hash $extras"
if [ -n "$missing" ]; then
  echo "installing mink[$extras] into $venv" >&2
  rm -f "$stamp"
  if ! { "$venv/bin/python" -m pip install --quiet --upgrade pip &&
         "$venv/bin/python" -m pip install --quiet -e "$root[$extras]"; } >&2; then
    echo "error: installing mink[$extras] failed (see above)" >&2
    exit 1
  fi
  echo "$want" > "$stamp"
fi
export PATH="$venv/bin:$PATH"
