#!/usr/bin/env bash
# Local S3-compatible servers for the tests: two versitygw instances on
# 127.0.0.1, one signing region "us-east-1" and one "auto" (as R2
# clients sign), each with its own empty posix data directory.
#
#   eval "$(scripts/s3server.sh start)"   # start, export R2KIT_TEST_S3_*
#   go test ./...
#   scripts/s3server.sh stop              # stop them, remove their data
#
# start installs versitygw into ./.tools/bin when it is missing, picks
# free ports, waits until each instance answers HTTP and prints export
# lines for:
#   R2KIT_TEST_S3_ENDPOINT       http://127.0.0.1:PORT (region us-east-1)
#   R2KIT_TEST_S3_AUTO_ENDPOINT  http://127.0.0.1:PORT (region auto)
#   R2KIT_TEST_S3_ACCESS_KEY, R2KIT_TEST_S3_SECRET_KEY
#   R2KIT_TEST_S3_PIDS           the server process ids, for stop
#   R2KIT_TEST_S3_DIRS           their data and log directories, for stop
#   R2KIT_TEST_S3_LOG            the file both servers log to
# Everything else goes to stderr. stop reads R2KIT_TEST_S3_PIDS and
# R2KIT_TEST_S3_DIRS from the environment, stops the servers and removes
# their data; the log file is kept.
set -euo pipefail

VERSITYGW_VERSION=v1.8.0
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/.tools/bin"
ACCESS_KEY=r2kittest
SECRET_KEY=r2kittestsecret
READY_TIMEOUT=30 # seconds, per instance

log() { printf 's3server: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# install puts versitygw $VERSITYGW_VERSION into $BIN unless it is there.
install() {
  local gw="$BIN/versitygw"
  if [ -x "$gw" ] && go version -m "$gw" 2>/dev/null |
    grep -q "mod[[:space:]]*github.com/versity/versitygw[[:space:]]*$VERSITYGW_VERSION"; then
    return
  fi
  log "installing versitygw $VERSITYGW_VERSION into $BIN (about a minute the first time)"
  mkdir -p "$BIN"
  GOBIN="$BIN" GOFLAGS='' go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION" >&2 ||
    die "go install github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION failed"
}

# port_in_use PORT succeeds when something accepts connections on it.
port_in_use() { (exec 2>/dev/null 3<>"/dev/tcp/127.0.0.1/$1"); }

# answers_http PORT succeeds when the server there answers an HTTP request
# (any status: an unsigned GET / is refused with 403).
answers_http() {
  local status
  status=$(
    exec 2>/dev/null
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    IFS= read -r -t 2 line <&3 || exit 1
    printf '%s' "$line"
  ) || return 1
  [[ $status == HTTP/* ]]
}

# launch REGION LOGFILE: starts one instance on a free port and prints
# "PID PORT DATADIR". Retries on another port if the first is taken.
launch() {
  local region=$1 logfile=$2 data port pid attempt waited
  data=$(mktemp -d "${TMPDIR:-/tmp}/r2kit-s3-data.XXXXXX")
  for attempt in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    port_in_use "$port" && continue
    printf '=== versitygw --region %s on 127.0.0.1:%s, data %s\n' "$region" "$port" "$data" >>"$logfile"
    ROOT_ACCESS_KEY=$ACCESS_KEY ROOT_SECRET_KEY=$SECRET_KEY \
      nohup "$BIN/versitygw" --port "127.0.0.1:$port" --region "$region" --quiet \
      posix "$data" >>"$logfile" 2>&1 </dev/null &
    pid=$!
    for ((waited = 0; waited < READY_TIMEOUT * 10; waited++)); do
      if ! kill -0 "$pid" 2>/dev/null; then
        break # exited, probably the port was taken: try another
      fi
      if answers_http "$port"; then
        printf '%s %s %s\n' "$pid" "$port" "$data"
        return
      fi
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      rm -rf "$data"
      log "versitygw --region $region did not answer HTTP on 127.0.0.1:$port within ${READY_TIMEOUT}s; its log ($logfile):"
      cat "$logfile" >&2
      exit 1
    fi
    log "versitygw --region $region exited at start (attempt $attempt), retrying on another port"
  done
  rm -rf "$data"
  log "versitygw --region $region would not start; its log ($logfile):"
  cat "$logfile" >&2
  exit 1
}

start() {
  command -v go >/dev/null || die "go is not on PATH"
  install
  local logdir logfile main auto
  logdir=$(mktemp -d "${TMPDIR:-/tmp}/r2kit-s3-logs.XXXXXX")
  logfile="$logdir/versitygw.log"
  : >"$logfile"
  main=$(launch us-east-1 "$logfile")
  read -r main_pid main_port main_data <<<"$main"
  if ! auto=$(launch auto "$logfile"); then
    kill "$main_pid" 2>/dev/null || true
    rm -rf "$main_data"
    exit 1
  fi
  read -r auto_pid auto_port auto_data <<<"$auto"
  log "versitygw us-east-1 on 127.0.0.1:$main_port (pid $main_pid), auto on 127.0.0.1:$auto_port (pid $auto_pid)"
  log "server log: $logfile"
  cat <<EOF
export R2KIT_TEST_S3_ENDPOINT=http://127.0.0.1:$main_port
export R2KIT_TEST_S3_AUTO_ENDPOINT=http://127.0.0.1:$auto_port
export R2KIT_TEST_S3_ACCESS_KEY=$ACCESS_KEY
export R2KIT_TEST_S3_SECRET_KEY=$SECRET_KEY
export R2KIT_TEST_S3_PIDS="$main_pid $auto_pid"
export R2KIT_TEST_S3_DIRS="$main_data $auto_data $logdir"
export R2KIT_TEST_S3_LOG=$logfile
EOF
}

stop() {
  local pid dir waited
  [ -n "${R2KIT_TEST_S3_PIDS:-}" ] || die "R2KIT_TEST_S3_PIDS is not set: nothing to stop"
  for pid in $R2KIT_TEST_S3_PIDS; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $R2KIT_TEST_S3_PIDS; do
    for ((waited = 0; waited < 50; waited++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "pid $pid still running after 5s, sending SIGKILL"
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  for dir in ${R2KIT_TEST_S3_DIRS:-}; do
    case $dir in
    */r2kit-s3-data.*) rm -rf "$dir" ;;
    */r2kit-s3-logs.*) ;; # kept for reading after a failed run
    *) log "not removing $dir: not one of ours" ;;
    esac
  done
  log "stopped $R2KIT_TEST_S3_PIDS${R2KIT_TEST_S3_LOG:+; server log kept at $R2KIT_TEST_S3_LOG}"
}

case ${1:-} in
start) start ;;
stop) stop ;;
*)
  echo "usage: $0 start|stop   (eval \"\$($0 start)\" to export the test variables)" >&2
  exit 2
  ;;
esac
