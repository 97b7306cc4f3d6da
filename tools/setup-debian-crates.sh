#!/usr/bin/env bash
# Installs the Debian packages in tools/debian-packages.txt and points cargo at Debian's
# crate registry (for machines without crates.io). Writes the source replacement into
# $CARGO_HOME/config.toml so nested cargo calls (cbindgen's `cargo metadata`) see it too;
# it is never committed into the repository, where it would break crates.io users.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mapfile -t packages < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/debian-packages.txt")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${#missing[@]} Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Feature packages (crate+feature) are sometimes virtual; apt resolves them to their provider.
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

cargo_home=${CARGO_HOME:-$HOME/.cargo}
config="$cargo_home/config.toml"
if ! grep -qs 'replace-with = "debian"' "$config"; then
  mkdir -p "$cargo_home"
  cat >> "$config" <<'TOML'
# written by ExoNative's tools/setup-debian-crates.sh: crates come from Debian's librust-*-dev packages
[source.crates-io]
replace-with = "debian"
[source.debian]
directory = "/usr/share/cargo/registry"
[net]
offline = true
TOML
  echo "cargo now builds from Debian's crate registry ($config)"
fi
