#!/usr/bin/env bash
# The whole r2kit test suite, as CI runs it:
#   gofmt check, go vet, staticcheck, go test -race ./... with a real
#   S3-compatible server (versitygw) up and Debian's chromium installed
#   (scripts/chromium.sh, for the console's browser tests), and a short
#   fuzz run.
# Works on a fresh machine with Go installed: it installs what it needs
# into ./.tools/bin. Set FUZZTIME (default 10s per target) to fuzz longer.
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$PWD/.tools/bin:$PATH"
STATICCHECK_MODULE_VERSION=v0.8.2 # staticcheck 2026.2.2
FUZZTIME=${FUZZTIME:-8s}

step() { printf '\n=== %s\n' "$*"; }

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

step "staticcheck"
if ! command -v staticcheck >/dev/null || ! staticcheck -version | grep -q "(${STATICCHECK_MODULE_VERSION#v})"; then
  GOBIN="$PWD/.tools/bin" go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_MODULE_VERSION"
fi
staticcheck ./...

step "go get from a scratch module (a user's Bucket under the conformance suite)"
scratch=$(mktemp -d -t r2kit-scratch.XXXXXX)
cp scripts/testdata/userbucket/*.go "$scratch"/
(
  cd "$scratch"
  go mod init example.com/userbucket >/dev/null 2>&1
  go mod edit -replace "github.com/r2kit/r2kit=$OLDPWD"
  go get github.com/r2kit/r2kit@v0.0.0 >/dev/null
  go mod tidy >/dev/null 2>&1
  go test -count=1 ./...
)
rm -rf "$scratch"

step "chromium (the console's browser tests)"
scripts/chromium.sh

step "S3 test servers (versitygw)"
eval "$(scripts/s3server.sh start)"
trap 'scripts/s3server.sh stop >/dev/null 2>&1 || true' EXIT

step "go test -race ./..."
# Verbose output goes to a log; shown here: every top-level test, the
# conformance suite per backend, and each package's result.
log=$(mktemp -t r2kit-test.XXXXXX)
set +e
go test -race -count=1 -timeout 30m -v ./... >"$log" 2>&1
status=$?
set -e
grep -E '^(--- |ok |FAIL|panic:)|^    --- (PASS|FAIL): TestConformance/[a-z0-9-]+ ' "$log" || true
if [ "$status" -ne 0 ]; then
  echo; echo "go test failed; failures in context (full log: $log):"
  grep -E -B2 -A30 '^\s*--- FAIL|^panic:|^FAIL' "$log" | head -400
  exit "$status"
fi

step "vector store search quality and ingestion memory (without -race: they measure)"
vlog=$(mktemp -t r2kit-vs.XXXXXX)
if ! go test -count=1 -timeout 20m -run 'TestSearchQuality|TestIngestMemoryFlat' -v ./vectorstore/ >"$vlog" 2>&1; then
  grep -E -B2 -A30 '^\s*--- FAIL|^panic:|^FAIL' "$vlog" | head -200
  exit 1
fi
grep -E '^(--- |ok )|recall|nDCG|peak|heap' "$vlog" || true

step "benchmarks behind the documented figures, briefly (they must run and pass their own checks)"
# Short runs: they prove the benchmarks work (BenchmarkR2HotKey fails if
# R2's limit refuses a write, or if an Update is lost) and print
# indicative figures. The figures in the docs come from longer runs on a
# quiet machine: see each benchmark's comment for its command.
blog=$(mktemp -t r2kit-bench.XXXXXX)
bench() { # package pattern benchtime
  if ! go test -count=1 -run '^$' -bench "$2" -benchtime "$3" -timeout 15m "$1" >>"$blog" 2>&1; then
    grep -E -B2 -A30 'FAIL|panic:|--- ' "$blog" | head -200
    exit 1
  fi
}
bench ./doc/ 'BenchmarkR2HotKey' 1x
bench ./storage/s3store/ 'BenchmarkVsRawSDK' 100x
bench ./runner/ 'BenchmarkFileSearchTurnaround' 5x
bench ./vectorstore/ 'BenchmarkIngest' 1x
R2KIT_BENCH_1M=1 bench ./vectorstore/ 'BenchmarkSearchVectors' 10x
grep -E '^Benchmark' "$blog" || true

step "the official Node SDK against r2kit serve (scripts/node-sdk)"
go build -o .tools/bin/r2kit ./cmd/r2kit
(
  cd scripts/node-sdk
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  R2KIT_BIN="$OLDPWD/.tools/bin/r2kit" npm test
)

step "fuzz smoke ($FUZZTIME per target)"
fuzz() { # package target
  go test -run '^$' -fuzz "^$2\$" -fuzztime "$FUZZTIME" "$1"
}
fuzz ./storage FuzzValidateKey
fuzz ./storage/filestore FuzzKeyPath
fuzz ./assistants FuzzParseID
fuzz ./assistants FuzzUnmarshalMessage
fuzz ./assistants/store FuzzMarker
fuzz ./assistants/store FuzzThreadKeys
fuzz ./api FuzzDecodeJSON
fuzz ./api FuzzRequestBodies

step "all checks passed"
