#!/usr/bin/env bash
# Regenerates the Swift code of the wire format from Protos/*.proto into
# Sources/SecureAggregation/Wire/generated/, which is committed so that builds never need protoc.
#
#   bash Scripts/generate-protos.sh           # rewrite the generated files
#   bash Scripts/generate-protos.sh --check   # regenerate into a temporary folder and fail if
#                                             # the committed files differ
#
# Requirements:
# - protoc, the protocol buffer compiler (Debian: apt-get install protobuf-compiler; any 3.x or
#   later: the output does not depend on its version).
# - protoc-gen-swift, the Swift plugin: this script builds it from the swift-protobuf version
#   that this package resolves (Package.resolved), so the generated code matches the SwiftProtobuf
#   runtime it links against. Set PROTOC_GEN_SWIFT=/path/to/protoc-gen-swift to use another
#   build of that same version, and SCRATCH_PATH to choose the build folder (default .build).
set -euo pipefail
cd "$(dirname "$0")/.."

check=false
case "${1:-}" in
  --check) check=true ;;
  "") ;;
  *)
    echo "usage: $0 [--check]" >&2
    exit 2
    ;;
esac

if ! command -v protoc >/dev/null; then
  echo "error: protoc not found (Debian: apt-get install protobuf-compiler)" >&2
  exit 1
fi

plugin=${PROTOC_GEN_SWIFT:-}
if [ -z "$plugin" ]; then
  scratch=${SCRATCH_PATH:-.build}
  swift build -c release --scratch-path "$scratch" --product protoc-gen-swift >&2
  plugin="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/protoc-gen-swift"
fi

generated=Sources/SecureAggregation/Wire/generated
output=$generated
if $check; then
  output=$(mktemp -d)
  trap 'rm -rf "$output"' EXIT
fi

# Visibility=Internal: the generated messages stay inside SecureAggregation; the public API is
# ClientMessage / ServerMessage and their validating decoders (ProtocolMessage+Wire.swift).
protoc --plugin=protoc-gen-swift="$plugin" \
  --swift_opt=Visibility=Internal \
  --swift_out="$output" \
  -I Protos Protos/*.proto

if $check; then
  if ! diff -r "$generated" "$output"; then
    echo "error: $generated is stale: run bash Scripts/generate-protos.sh" >&2
    exit 1
  fi
  echo "protos: $generated is up to date"
else
  echo "protos: regenerated $generated"
fi
