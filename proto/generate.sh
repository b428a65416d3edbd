#!/usr/bin/env bash
# Regenerates the Go code under proto/gen/ from the .proto files under proto/.
#
# Usage: proto/generate.sh [--check]
#
# buf and the two protoc plugins are pinned below and built with `go install` into
# proto/.bin/, only when missing or at another version, so Go is the only prerequisite.
# With --check, the script fails when the regenerated code differs from what git has,
# which is how CI catches a .proto change committed without its generated code.
set -euo pipefail

BUF_VERSION=v1.65.0
PROTOC_GEN_GO_VERSION=v1.36.12
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2

check=false
case "${1:-}" in
"") ;;
--check) check=true ;;
*)
	echo "usage: $0 [--check]" >&2
	exit 2
	;;
esac

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$here/.bin"

# ensure_tool PACKAGE VERSION installs PACKAGE@VERSION into $bin unless the binary there
# was already built from that module version (read from its embedded build info).
ensure_tool() {
	local pkg=$1 version=$2
	local exe="$bin/${pkg##*/}"
	if [[ -x "$exe" ]]; then
		local have
		have="$(go version -m "$exe" 2>/dev/null | awk '$1 == "mod" { print $3; exit }')"
		if [[ "$have" == "$version" ]]; then
			return 0
		fi
	fi
	echo "generate.sh: installing ${pkg##*/} $version" >&2
	GOBIN="$bin" go install "$pkg@$version"
}

ensure_tool github.com/bufbuild/buf/cmd/buf "$BUF_VERSION"
ensure_tool google.golang.org/protobuf/cmd/protoc-gen-go "$PROTOC_GEN_GO_VERSION"
ensure_tool google.golang.org/grpc/cmd/protoc-gen-go-grpc "$PROTOC_GEN_GO_GRPC_VERSION"

cd "$here"
"$bin/buf" generate

if $check; then
	changes="$(git status --porcelain -- gen)"
	if [[ -n "$changes" ]]; then
		echo "generate.sh: proto/gen/ is out of date with the .proto files; run proto/generate.sh and commit the result:" >&2
		echo "$changes" >&2
		git --no-pager diff --stat -- gen >&2
		exit 1
	fi
fi
