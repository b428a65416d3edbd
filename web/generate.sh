#!/usr/bin/env bash
# Regenerates the Go code of the templ components: web/components/*.templ into
# *_templ.go beside them.
#
# Usage: web/generate.sh [--check]
#
# templ runs with `go run` at the version pinned below (the version of the runtime in
# go.mod), so Go is the only prerequisite. With --check, the script generates into a
# temporary copy and fails when the result differs from the files in the tree, which is
# how CI catches a .templ change committed without its generated code; it does not
# touch the tree and does not depend on git.
set -euo pipefail

TEMPL_VERSION=v0.3.1100

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
cd "$here"
templ=(go run "github.com/a-h/templ/cmd/templ@$TEMPL_VERSION")

if ! $check; then
	"${templ[@]}" generate -path components
	exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/components"
cp components/*.templ "$tmp/components/"
"${templ[@]}" generate -path "$tmp/components" >/dev/null 2>&1 || "${templ[@]}" generate -path "$tmp/components"

stale=()
for f in "$tmp"/components/*_templ.go; do
	name="$(basename "$f")"
	if ! cmp -s "$f" "components/$name"; then
		stale+=("web/components/$name")
	fi
done
for f in components/*_templ.go; do
	name="$(basename "$f")"
	if [[ ! -e "$tmp/components/$name" ]]; then
		stale+=("web/components/$name (no .templ source)")
	fi
done
if ((${#stale[@]} > 0)); then
	echo "generate.sh: generated templ code is out of date; run web/generate.sh and commit the result:" >&2
	printf '  %s\n' "${stale[@]}" >&2
	exit 1
fi
