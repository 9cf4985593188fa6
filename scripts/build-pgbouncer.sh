#!/usr/bin/env bash
# Builds PgBouncer 1.24.1 from Debian's source tarball into .cache/ (git-ignored); does nothing when built.
# Debian bookworm ships 1.18, which cannot keep server-side prepared statements in transaction mode
# (max_prepared_statements needs >= 1.21), and trixie's binary needs a newer glibc.
set -euo pipefail

VERSION=1.24.1
URL="http://deb.debian.org/debian/pool/main/p/pgbouncer/pgbouncer_${VERSION}.orig.tar.gz"
SHA256=da72a3aba13072876d055a3e58dd4aba4a5de4ed6148e73033185245598fd3e0

cd "$(dirname "$0")/.."
dest="$PWD/.cache/pgbouncer-$VERSION"
[ -x "$dest/pgbouncer" ] && exit 0

bash scripts/system-packages.sh pgbouncer-build

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "Downloading PgBouncer $VERSION source"
curl -fsSL --retry 3 -o "$work/src.tar.gz" "$URL"
echo "$SHA256  $work/src.tar.gz" | sha256sum -c --quiet -
tar -xzf "$work/src.tar.gz" -C "$work"

echo "Building PgBouncer $VERSION (log: $work/build.log while running)"
src="$work/pgbouncer-$VERSION"
if ! (cd "$src" \
  && ./configure --prefix="$dest" --without-pam --without-systemd --with-cares \
  && make -j2 pgbouncer) >"$work/build.log" 2>&1; then
  tail -n 40 "$work/build.log" >&2
  echo "PgBouncer $VERSION build failed" >&2
  exit 1
fi

# Install atomically: a half-written .cache never counts as built.
mkdir -p "$dest"
install -m 0755 "$src/pgbouncer" "$dest/pgbouncer.tmp"
mv "$dest/pgbouncer.tmp" "$dest/pgbouncer"
chmod 0755 "$PWD/.cache" "$dest"
echo "Built $("$dest/pgbouncer" --version | head -n 1) at .cache/pgbouncer-$VERSION/pgbouncer"
