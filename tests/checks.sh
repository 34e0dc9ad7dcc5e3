# shellcheck shell=bash
# The checks of the shell tests (integration, faults). Sourced, not run:
#
#   source "$HERE/checks.sh"
#   check "what is checked" EXPECTED "$(actual)"
#   checks_done             # last line: prints the count, fails the script if any failed
#
# Each check prints one line, "ok   WHAT: VALUE" or "FAIL WHAT: expected ..., got ...", and a
# failure does not stop the script: one run shows every broken rule, not just the first.
fails=0

check() { # check WHAT EXPECTED ACTUAL
  if [ "$2" == "$3" ]; then
    echo "ok   $1: $3"
  else
    echo "FAIL $1: expected '$2', got '$3'"
    fails=$((fails + 1))
  fi
}

checks_done() {
  echo "$fails failure(s)"
  [ "$fails" -eq 0 ]
}
