#!/usr/bin/env bash
# Checks a policy change before it ships: lint, the policy tests, then a diff against recorded
# decisions (docs/authoring.md).
#
#   check-policy.sh BASE CANDIDATE REQUESTS
#
# BASE and CANDIDATE are policy directories, each with profiles/ (YAML), tests/ (policy test
# files) and optionally rules/ (DRL added to the built-in rules): the policy as deployed and as
# changed. REQUESTS is what to replay: an audit log as `hubpolicy serve --audit-log` writes it
# (e.g. last week's), or request bodies, one JSON per line.
#
# Environment: HUBPOLICY, how to run hubpolicy (default: java -jar hubpolicy.jar);
# FAIL_ON_CHANGE=1 to fail when any decision changes (default: the changes are reported for
# review, and only lint errors, failing tests and a diff that cannot run fail).
#
# Exit 0: no lint error, every policy test passed, the diff ran; 1: any of these did not;
# 2: wrong arguments. Each step's exit code is printed as `step: exit N`.
set -u

if [ $# -ne 3 ]; then
  sed -n '5,17p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
base=$1 candidate=$2 requests=$3
for dir in "$base" "$candidate"; do
  if [ ! -d "$dir/profiles" ] || [ ! -d "$dir/tests" ]; then
    echo "check-policy: $dir has no profiles/ or no tests/" >&2
    exit 2
  fi
done
if [ ! -f "$requests" ]; then
  echo "check-policy: no such file: $requests" >&2
  exit 2
fi
read -r -a hubpolicy <<<"${HUBPOLICY:-java -jar hubpolicy.jar}"

# The DRL of each side, when it has rules/.
base_rules=() candidate_rules=() lint_rules=() validate_paths=("$candidate/profiles")
if [ -d "$base/rules" ]; then base_rules=(--base-rules "$base/rules"); fi
if [ -d "$candidate/rules" ]; then
  candidate_rules=(--candidate-rules "$candidate/rules")
  lint_rules=(--rules "$candidate/rules")
  validate_paths+=("$candidate/rules")
fi

failed=0
step() { # NAME CODE FAILS-WHEN-ABOVE MEANING...
  local name=$1 code=$2 limit=$3
  shift 3
  echo "$name: exit $code ($*)"
  if [ "$code" -gt "$limit" ]; then failed=1; fi
}

# 1. lint: exit 2 on an error (a duplicate profile, an unknown size...), 1 only under --strict.
#    A hubpolicy without lint (older than issue 16) validates instead: the same errors.
echo "== lint $candidate"
if "${hubpolicy[@]}" --help 2>/dev/null | grep -q '^  lint '; then
  "${hubpolicy[@]}" lint --profiles "$candidate/profiles" "${lint_rules[@]}"
  code=$?
  step lint $code 0 "$([ $code = 0 ] && echo 'no errors' || echo 'errors: fix them first')"
else
  echo "(this hubpolicy has no lint command: validate instead)"
  "${hubpolicy[@]}" validate "${validate_paths[@]}"
  code=$?
  step validate $code 0 "$([ $code = 0 ] && echo 'valid' || echo 'problems: fix them first')"
fi

# 2. test: exit 1 when a case fails, 2 when a test file cannot run.
echo "== test $candidate/tests"
"${hubpolicy[@]}" test "$candidate/tests"
code=$?
case $code in
  0) meaning="every case passed" ;;
  1) meaning="a case failed" ;;
  *) meaning="a test file cannot run" ;;
esac
step test $code 0 "$meaning"

# 3. diff: exit 0 no decision changes, 1 some do (listed above the summary), 2 bad input.
echo "== diff $base -> $candidate, replaying $requests"
"${hubpolicy[@]}" diff --base "$base/profiles" --candidate "$candidate/profiles" \
  "${base_rules[@]}" "${candidate_rules[@]}" --requests "$requests"
code=$?
case $code in
  0) meaning="no decision changes" ;;
  1) meaning="decisions change: review the list above" ;;
  2) meaning="bad input or configuration" ;;
  *) meaning="the diff failed" ;;
esac
step diff $code "$([ "${FAIL_ON_CHANGE:-0}" = 1 ] && echo 0 || echo 1)" "$meaning"

if [ $failed = 0 ]; then
  echo "check-policy: ok to ship"
else
  echo "check-policy: not ready to ship"
fi
exit $failed
