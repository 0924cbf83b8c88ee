#!/bin/bash
# Packs `npm run bench`'s programs to run on a machine without Node.js or network (issue 19's 16-core
# goals were measured this way): a compressed Node binary and one archive of dist/, dist-bench/,
# web/dist/ and the packages the server and the bench load, with run.sh beside them.
#
#   bash bench/portable/pack.sh            # builds, then writes .bench-portable/ (about 45 MB)
#
# Copy .bench-portable/ into the repository's root on the other machine (the tracked files must be there
# too: database/ holds the migrations) and run `bash .bench-portable/run.sh` there; see run.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=$ROOT/.bench-portable
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
npm run build >/dev/null
npx tsup --config bench/tsup.config.ts >/dev/null
rm -f dist-bench/*.json
# What the server's and the bench's programs import (the bench's run.js loads the composer and web
# sections' packages too, even when they are skipped).
PACKAGES="@electric-sql/pglite @node-rs/argon2 @orama/stemmers express express-rate-limit fastest-levenshtein helmet ioredis jsonwebtoken linkify-it lru-cache marked minisearch mongodb openai pg pino pino-http prom-client proper-lockfile rate-limit-redis string-width tinyld ws zod ink react hdr-histogram-js socket.io socket.io-client @socket.io/redis-adapter playwright-core esbuild"
node bench/portable/closure.mjs "$ROOT" $PACKAGES > "$STAGE/packages.txt"
while read -r dir; do
  mkdir -p "$STAGE/$(dirname "$dir")"
  cp -a "$dir" "$STAGE/$dir"
done < "$STAGE/packages.txt"
rm -rf "$STAGE/node_modules/@types"
find "$STAGE/node_modules" -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' -o -name '*.md' \) -delete
mkdir -p "$STAGE/web"
cp -a dist dist-bench "$STAGE/"
cp -a web/dist "$STAGE/web/"
find "$STAGE/dist" -name '*.map' -delete
mkdir -p "$OUT"
(cd "$STAGE" && tar -cJf "$OUT/pkg.tar.xz" --owner=0 --group=0 node_modules dist dist-bench web)
xz -T0 -9 -c "$(command -v node)" > "$OUT/node.xz"
cp bench/portable/run.sh bench/portable/taskset "$OUT/"
du -sh "$OUT"/*
