# Sourced by run_sweep.sh and run_zoo.sh: `step NAME LIMIT_S LOG command...` runs one step of a
# GPU-host campaign under its own time limit, appending its output to LOG; a failing step does
# not stop the others and adds 1 to $failed (the scripts' exit status).
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
