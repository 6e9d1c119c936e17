#!/bin/sh
# Builds one update script from its fragments and checks it against the
# checksum recorded for it when it was released.
#
#   build-update-script.sh FRAGMENT_DIR OUTPUT CHECKSUMS
#
# FRAGMENT_DIR holds NN_topic.sql files, concatenated in name order (each kept
# under the project's file-length limit). When CHECKSUMS names OUTPUT's file
# name, the built bytes must have that SHA-256: a released script is what
# databases already ran, and a change to it (a fragment edited, renamed,
# reordered or lost) must fail the build, not ship silently. A script not
# listed there (a version still in development) is built unchecked.
set -eu

fragment_dir=$1
output=$2
checksums=$3
name=$(basename "$output")
partial="$output.partial"

set -- "$fragment_dir"/*.sql
[ -e "$1" ] || { echo "$fragment_dir: no fragments (NN_topic.sql)" >&2; exit 1; }
cat "$@" >"$partial"

recorded=$(awk -v name="$name" '$2 == name { print $1 }' "$checksums")
if [ -n "$recorded" ]; then
    built=$(sha256sum "$partial" | cut -d ' ' -f 1)
    if [ "$built" != "$recorded" ]; then
        rm -f "$partial"
        echo "$name is released: its fragments in $fragment_dir must rebuild it byte for byte" >&2
        echo "  (SHA-256 $built, recorded in $checksums: $recorded)" >&2
        exit 1
    fi
fi
mv "$partial" "$output"
