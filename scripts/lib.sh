# shellcheck shell=bash
# Helpers sourced by scripts/test.sh and .ci/run: section headers with timings, and a pytest
# runner for which "no test ran" is a failure, never a silent pass.

_kt_section=""
_kt_section_start=$SECONDS
_kt_timings=()

# Close the running section (printing how long it took) and open the next one.
section() {
    _kt_close_section
    _kt_section=$1
    _kt_section_start=$SECONDS
    printf '\n========== %s ==========\n' "$1"
}

_kt_close_section() {
    if [ -n "$_kt_section" ]; then
        local took=$((SECONDS - _kt_section_start))
        _kt_timings+=("$(printf '%6ds  %s' "$took" "$_kt_section")")
        printf -- '---------- %s: %ds\n' "$_kt_section" "$took"
    fi
    _kt_section=""
}

# Print every section's duration; call once at the end.
print_timings() {
    _kt_close_section
    printf '\n========== timings ==========\n'
    printf '%s\n' "${_kt_timings[@]}"
    printf '%6ds  total\n' "$SECONDS"
}

# run_pytest PYTHON ARGS...: pytest exits 5 when it collected nothing, and exits 0 when every
# test was skipped; both mean nothing was tested, so both fail here.
run_pytest() {
    local python=$1
    shift
    local report rc=0
    report=$(mktemp)
    "$python" -m pytest --junitxml="$report" "$@" || rc=$?
    if [ "$rc" -eq 5 ]; then
        echo "error: pytest collected no tests" >&2
        rc=1
    elif [ "$rc" -eq 0 ]; then
        "$python" - "$report" <<'PY' || rc=1
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root)
ran = sum(int(s.get("tests", 0)) - int(s.get("skipped", 0)) for s in suites)
print(f"pytest: {ran} tests ran (not skipped)")
if ran <= 0:
    sys.exit("error: pytest ran no tests (everything skipped or deselected)")
PY
    fi
    rm -f "$report"
    return "$rc"
}
