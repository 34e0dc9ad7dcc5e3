#!/usr/bin/env bash
# The two commands of the README.
#
#   board/dev.sh demo    install what is missing, build, run the kiosk in a window with the demo
#   board/dev.sh test    install what is missing, build, run the whole test suite (ctest), then
#                        again built with AddressSanitizer and UndefinedBehaviorSanitizer, then
#                        each libFuzzer target for a short while (BORNE_FUZZ_SECONDS, 15)
#   board/dev.sh screenshots   regenerate docs/screenshots from tests/ui/docs.replay
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)

build() { # build DIR [cmake options...]
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  # Progress lines are noise; warnings and errors are not. Any failure stops here.
  if ! cmake --build "$dir" -j "$jobs" >"$dir/build.log" 2>&1; then
    grep -vE '^\[ *[0-9]+%\]' "$dir/build.log" >&2
    echo "dev: the build failed (full log: $dir/build.log)" >&2
    exit 1
  fi
}

# Build the libFuzzer targets with clang and run each from its seed corpus for a short while:
# a crash, a leak or a sanitizer report fails the suite. New inputs go to a scratch folder, so
# the committed corpus stays the seeds.
fuzz() {
  local secs=${BORNE_FUZZ_SECONDS:-15} targets=() t rc=0
  for t in tests/fuzz/fuzz_*.c; do t=${t##*/}; targets+=("${t%.c}"); done
  [ ${#targets[@]} -gt 0 ] || return 0
  echo "== fuzz targets (${secs} s each): ${targets[*]}"
  cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
    -DBORNE_FUZZ=ON >/dev/null
  if ! cmake --build build-fuzz -j "$jobs" --target "${targets[@]}" >build-fuzz/build.log 2>&1; then
    grep -vE '^\[ *[0-9]+%\]' build-fuzz/build.log >&2
    echo "dev: the fuzz build failed (full log: build-fuzz/build.log)" >&2
    return 1
  fi
  for t in "${targets[@]}"; do
    local scratch
    scratch=$(mktemp -d /tmp/borne-fuzz-XXXXXX)
    if build-fuzz/tests/"$t" -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=0 \
        "$scratch" "tests/fuzz/corpus/${t#fuzz_}" >"build-fuzz/$t.log" 2>&1; then
      echo "fuzz: $t: $(grep -Eo 'Done [0-9]+ runs' "build-fuzz/$t.log" | tail -1), clean"
    else
      tail -40 "build-fuzz/$t.log" >&2
      echo "fuzz: $t FAILED (log: build-fuzz/$t.log)" >&2
      rc=1
    fi
    rm -rf "$scratch"
  done
  return $rc
}

case "${1:-}" in
  demo)
    board/deps.sh run
    build build
    mkdir -p "${XDG_DATA_HOME:-$HOME/.local/share}/borne"
    exec build/firmware/borne --windowed 1280x800 --demo \
      --db "${XDG_DATA_HOME:-$HOME/.local/share}/borne/demo.db" "${@:2}"
    ;;
  test)
    board/deps.sh test
    build build
    rc=0
    (cd build && ctest --output-on-failure -j "$jobs") || rc=1
    echo "== the same suite under AddressSanitizer + UndefinedBehaviorSanitizer"
    build build-asan -DBORNE_SANITIZE=ON
    (cd build-asan && ctest --output-on-failure -j "$jobs") || rc=1
    fuzz || rc=1
    exit $rc
    ;;
  screenshots)
    board/deps.sh test
    build build
    for s in docs small_screen fault_no_db evening checkin printer_paper_out no_printer; do
      tests/ui/run-replay.sh build/firmware/borne "tests/ui/$s.replay" docs/screenshots
    done
    # Printed tickets, pictured from the bytes the kiosk sent to its printer.
    mkdir -p docs/tickets
    for mm in 58 80; do
      t=$(mktemp -d /tmp/borne-ticket-XXXXXX)
      printf '[kiosk]\ncentre = Atelier Numérique Rennes\n[printer]\npaper_mm = %s\n' "$mm" >"$t/borne.ini"
      SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy BORNE_ASSETS="$PWD/assets" TZ=Europe/Paris \
        build/firmware/borne --replay tests/ui/ticket_doc.replay --config "$t/borne.ini" \
        --db "$t/borne.db" --demo --windowed 1280x800 --now 2026-11-23T09:30 \
        --printer "file:$t/printer.bin" 2>/dev/null
      build/tests/ticket_png "$t/printer.bin" "docs/tickets/ticket-${mm}mm.png" "$mm"
      rm -rf "$t"
    done
    ;;
  *)
    echo "usage: $0 demo|test|screenshots" >&2
    exit 2
    ;;
esac
