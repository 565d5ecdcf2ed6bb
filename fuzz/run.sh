#!/usr/bin/env bash
# Run every fuzz target (or the ones named) for SECONDS each, one after another.
#
#   fuzz/run.sh [SECONDS] [TARGET...]      SECONDS defaults to 60; targets: message png qr_grid http
#
# New inputs go to fuzz/corpus/<target>/ (kept between runs, not committed);
# fuzz/seeds/<target>/ is read as well. A crash is written to
# fuzz/artifacts/<target>/ and makes the script exit 1 after the other targets
# have run. Logs: fuzz/logs/<target>.log. Needs cargo-fuzz (installed if
# missing) and uses the stable toolchain with RUSTC_BOOTSTRAP=1 for the
# sanitizer flags.
set -uo pipefail

secs=${1:-60}
shift $(($# > 0 ? 1 : 0))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(message png qr_grid http)

cd "$(dirname "$0")/.." || exit 2
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked || exit 2
fi
export RUSTC_BOOTSTRAP=1
# AddressSanitizer keeps freed memory in a quarantine (256 MB by default) that
# counts towards -rss_limit_mb: keep it small so the limit measures the code.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"

max_len() {
    case $1 in
        message) echo 16384 ;;  # a frame with a real QR code is about 3 KB
        png) echo 16384 ;;      # the real QR PNGs are 2 to 7 KB
        qr_grid) echo 90004 ;;  # 4 bytes of size, then up to 300x300 pixels
        http) echo 8192 ;;
        *) echo 4096 ;;
    esac
}

mkdir -p fuzz/logs
failed=()
summary=()
for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
    log="fuzz/logs/$t.log"
    echo "== fuzz $t for ${secs}s (log: $log)"
    # -a: debug assertions, so integer overflow panics as in a debug build.
    RUSTC_BOOTSTRAP=1 cargo fuzz run -O -a "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
        -max_total_time="$secs" -rss_limit_mb=256 -timeout=10 -max_len="$(max_len "$t")" \
        -print_final_stats=1 >"$log" 2>&1
    rc=$?
    runs=$(grep -oE 'Done [0-9]+ runs' "$log" | tail -n 1 | grep -oE '[0-9]+')
    [ -n "$runs" ] || runs=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
    if [ $rc -eq 0 ]; then
        summary+=("$t: ${runs:-?} executions in ${secs}s, no crash")
    else
        failed+=("$t")
        summary+=("$t: CRASH after ${runs:-?} executions (exit $rc); see $log and fuzz/artifacts/$t/")
        grep -E 'panicked at|ERROR: libFuzzer|ERROR: AddressSanitizer|Test unit written to' "$log" | head -n 5 | sed 's/^/    /'
    fi
    echo "${summary[-1]}"
done

echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
[ ${#failed[@]} -eq 0 ] || { echo "crashes in: ${failed[*]}"; exit 1; }
