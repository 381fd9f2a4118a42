#!/usr/bin/env bash
# Regenerates the Swift code generated from Protos/, which is committed so that builds never
# need protoc:
# - Protos/secure_aggregation.proto (the wire format) into Sources/SecureAggregation/Wire/generated/;
# - Protos/aggregation_service.proto (the service's gRPC API: messages and stubs) into
#   Sources/AggregationService/Generated/.
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
# - protoc-gen-grpc-swift-2, the gRPC stub plugin: built likewise from the grpc-swift-protobuf
#   version this package resolves (it must not be newer than the GRPCProtobuf runtime); set
#   PROTOC_GEN_GRPC_SWIFT=/path/to/protoc-gen-grpc-swift-2 to use another build of it.
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

scratch=${SCRATCH_PATH:-.build}
plugin=${PROTOC_GEN_SWIFT:-}
if [ -z "$plugin" ]; then
  swift build -c release --scratch-path "$scratch" --product protoc-gen-swift >&2
  plugin="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/protoc-gen-swift"
fi
grpc_plugin=${PROTOC_GEN_GRPC_SWIFT:-}
if [ -z "$grpc_plugin" ]; then
  swift build -c release --scratch-path "$scratch" --product protoc-gen-grpc-swift-2 >&2
  grpc_plugin="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/protoc-gen-grpc-swift-2"
fi

wire=Sources/SecureAggregation/Wire/generated
service=Sources/AggregationService/Generated
wire_output=$wire
service_output=$service
if $check; then
  scratch_output=$(mktemp -d)
  trap 'rm -rf "$scratch_output"' EXIT
  wire_output=$scratch_output/wire
  service_output=$scratch_output/service
fi
mkdir -p "$wire_output" "$service_output"

# Visibility=Internal: the generated messages stay inside SecureAggregation; the public API is
# ClientMessage / ServerMessage and their validating decoders (ProtocolMessage+Wire.swift).
protoc --plugin=protoc-gen-swift="$plugin" \
  --swift_opt=Visibility=Internal \
  --swift_out="$wire_output" \
  -I Protos Protos/secure_aggregation.proto

# The service's messages and its gRPC stubs, internal to AggregationService: its public API is
# RoundService (the server side) and AggregationServiceClient / OperatorClient.
protoc --plugin=protoc-gen-swift="$plugin" \
  --plugin=protoc-gen-grpc-swift-2="$grpc_plugin" \
  --swift_opt=Visibility=Internal \
  --swift_out="$service_output" \
  --grpc-swift-2_opt=Visibility=Internal,Server=True,Client=True \
  --grpc-swift-2_out="$service_output" \
  -I Protos Protos/aggregation_service.proto

if $check; then
  stale=false
  diff -r "$wire" "$wire_output" || stale=true
  diff -r "$service" "$service_output" || stale=true
  if $stale; then
    echo "error: generated code is stale: run bash Scripts/generate-protos.sh" >&2
    exit 1
  fi
  echo "protos: $wire and $service are up to date"
else
  echo "protos: regenerated $wire and $service"
fi
