#!/usr/bin/env bash
# A Debian package with dpkg-deb alone: no debian/ directory, no cargo-deb.
# Usage (from the repository root; `make deb` runs it): dist/deb/build.sh BINARY OUTDIR
# Prints the path of the .deb. DEBFULLNAME and DEBEMAIL name the maintainer
# (default: git config user.name and user.email).
set -euo pipefail
umask 022
bin=$1
out=$2
name=${DEBFULLNAME:-$(git config user.name 2>/dev/null || echo scanqr maintainers)}
maintainer="$name <${DEBEMAIL:-$(git config user.email 2>/dev/null || echo scanqr@invalid)}>"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
arch=$(dpkg --print-architecture)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root

# Depends as dpkg-shlibdeps computes it: for each library the binary needs,
# the package holding the file the loader picks, at the version that brought
# the newest symbol the binary uses (the package's symbols file), else its
# shlibs file's version, else no version.
depends() {
    readelf --dyn-syms -W "$1" | awk '$7 == "UND" && $8 ~ /@/ { print $8 }' | sort -u >"$work/imported"
    readelf -d -W "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' | while read -r soname; do
        path=$(ldd "$1" | awk -v so="$soname" '$1 == so && $2 == "=>" { print $3 }')
        pkg=$(owner "$path")
        [ -n "$pkg" ] || { echo "build.sh: no package holds $soname (${path:-not found})" >&2; exit 1; }
        printf '%s\t%s\n' "$pkg" "$(min_version "$pkg" "$soname")"
    done | sort -t "$(printf '\t')" -k1,1 -k2,2V | awk -F '\t' '
        { v[$1] = $2 }
        END { for (p in v) print (v[p] == "" ? p : p " (>= " v[p] ")") }' | sort | paste -sd, - | sed 's/,/, /g'
}

# The package owning a library path; with merged /usr, dpkg may know it by the other name.
owner() {
    for candidate in "$1" "$(readlink -f "$1")" "/usr$1" "${1#/usr}"; do
        found=$(dpkg -S "$candidate" 2>/dev/null | grep -v '^diversion' | head -n 1 | cut -d: -f1) || true
        [ -n "$found" ] && { echo "$found"; return; }
    done
}

min_version() {
    symbols=$(dpkg-query --control-path "$1" symbols 2>/dev/null || true)
    if [ -n "$symbols" ]; then
        v=$(awk -v so="$2" -v imported="$work/imported" '
            BEGIN { while ((getline s < imported) > 0) use[s] = 1 }
            /^[^ |*]/ { block = ($1 == so); next }
            block && /^ / {
                sym = $1
                # (symver)NAME: any symbol of version NAME.
                if (sym ~ /^\(symver\)/) {
                    sub(/^\(symver\)/, "", sym)
                    for (u in use) if (substr(u, index(u, "@") + 1) == sym) print $2
                } else if (sym in use) print $2
            }' "$symbols" | sort -V | tail -n 1)
        [ -n "$v" ] && { echo "$v"; return; }
    fi
    shlibs=$(dpkg-query --control-path "$1" shlibs 2>/dev/null || true)
    [ -n "$shlibs" ] || return 0
    name=${2%%.so.*}
    awk -v n="$name" -v v="${2#*.so.}" '$1 == n && $2 == v && $4 == "(>=" { sub(/\)$/, "", $5); print $5; exit }' "$shlibs"
}

doc=$root/usr/share/doc/scanqr
# The same files as `make install PREFIX=/usr`, in Debian's places.
make --no-print-directory install DESTDIR="$root" PREFIX=/usr BIN="$bin" \
    zshdir=/usr/share/zsh/vendor-completions >/dev/null
gzip -9n "$root/usr/share/man/man1/scanqr.1"
install -d "$root/DEBIAN" "$doc"
gzip -9n <README.md >"$doc/README.md.gz"
# Debian wants a changelog in every package; ours names the commit built.
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
when=$(git log -1 --format=%aD 2>/dev/null || date -R)
printf 'scanqr (%s) unstable; urgency=medium\n\n  * Built from commit %s.\n\n -- %s  %s\n' \
    "$version" "$commit" "$maintainer" "$when" | gzip -9n >"$doc/changelog.gz"
install -m 644 dist/deb/copyright "$doc/copyright"
chmod 644 "$root/usr/share/man/man1/scanqr.1.gz" "$doc/README.md.gz" "$doc/changelog.gz"

deps=$(depends "$bin")
cat >"$root/DEBIAN/control" <<EOF
Package: scanqr
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $(du -sk --apparent-size "$root/usr" | cut -f 1)
Depends: $deps
Section: net
Priority: optional
Description: log a GREEN-API WhatsApp instance in by QR code or pairing code
 scanqr opens a GREEN-API instance's scanqrcode websocket, writes every QR
 code it receives to a PNG file, draws it in the terminal, prints one line
 (or JSON object) per event and exits with a code scripts act on.
 .
 scanqr ensure logs the instance in only when it is logged out; the
 scanqr@.timer unit runs it at intervals.
EOF

mkdir -p "$out"
deb=$out/scanqr_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
