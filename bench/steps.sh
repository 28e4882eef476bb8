# Sourced by run_sweep.sh, run_zoo.sh and the leases under results/: `step NAME LIMIT_S LOG
# command...` runs one step of a GPU-host campaign under its own time limit, appending its
# output to LOG; a failing step does not stop the others and adds 1 to $failed (the scripts'
# exit status).
failed=0
step() {
  local name=$1 limit=$2 log=$3
  shift 3
  local t0=$SECONDS
  echo "### $name: $*" | tee -a "$log" >&2
  timeout -k 10 "$limit" "$@" >>"$log" 2>&1
  local rc=$?
  echo "### $name: exit $rc after $((SECONDS - t0)) s" | tee -a "$log" >&2
  [ $rc -eq 0 ] || failed=$((failed + 1))
}

# `step_by NAME LIMIT_S LOG command...`: a step of a campaign with a deadline of $DEADLINE
# seconds (of $SECONDS): skipped when fewer than 20 s are left, its limit cut to what is left.
step_by() {
  if [ $((SECONDS + 20)) -gt "$DEADLINE" ]; then echo "### $1: skipped (deadline)" | tee -a "$3"; return; fi
  local lim=$2
  [ $((SECONDS + lim)) -gt "$DEADLINE" ] && lim=$((DEADLINE - SECONDS))
  step "$1" "$lim" "${@:3}"
}

# `pick SUITE PYEXPR`: the comma-separated names of the suite's cases (gpu/vknorm-bench --list)
# for which the Python expression PYEXPR, over the case `c`, holds (a lease's --case list).
pick() {
  gpu/vknorm-bench --suite "$1" --list | python3 -c "
import json,sys
print(','.join(c['name'] for c in json.load(sys.stdin)['cases'] if $2))"
}
