#!/usr/bin/env bash
# Regenerates everything under api/ from proto/: the Go messages, the gRPC service, the
# grpc-gateway handlers and the merged OpenAPI document api/openapi/forsok.swagger.json.
#
# Offline apart from the Go module proxy: buf and the four protoc plugins are built
# from the pinned modules tools/buf/ and tools/ (never downloaded as binaries), and
# buf.gen.yaml uses local plugins only. Run from anywhere: ./scripts/generate.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT

# The plugins must be the versions the service runs: generated code from a newer
# protoc-gen-go may need a newer runtime than the root go.mod has.
for m in google.golang.org/protobuf github.com/grpc-ecosystem/grpc-gateway/v2; do
	want="$(go list -m -f '{{.Version}}' "$m")"
	got="$(cd tools && go list -m -f '{{.Version}}' "$m")"
	if [[ "$want" != "$got" ]]; then
		echo "generate: tools/go.mod has $m $got, go.mod has $want; make them equal" >&2
		exit 1
	fi
done

echo "generate: building buf and the protoc plugins"
# tools/ pins the plugins to the versions the service's go.mod uses at run time;
# tools/buf/ is its own module because buf needs newer dependencies than those.
(cd tools && go build -o "$bin/" tool)
(cd tools/buf && go build -o "$bin/" tool)
export PATH="$bin:$PATH"

echo "generate: buf format, buf lint"
# Formats the protos in place, as gofmt does Go; CI fails if that changed anything.
buf format -w proto
buf lint

echo "generate: buf generate"
# Generated files of removed protos must not linger.
rm -rf api/forsok api/openapi
buf generate

test -s api/openapi/forsok.swagger.json || {
	echo "generate: api/openapi/forsok.swagger.json was not written" >&2
	exit 1
}
echo "generate: done"
