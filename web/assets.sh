#!/bin/sh
# web/assets.sh — copy the front-end files the pages need from node_modules into
# web/static/vendor/ (git-ignored, embedded into the binary by web/static.go).
#
# Run it from anywhere (the Makefile calls `web/assets.sh`). It is idempotent and
# fast when nothing changed:
#   - `npm ci` runs only when node_modules is missing or older than
#     package-lock.json (npm rewrites node_modules/.package-lock.json on install);
#   - the copy runs only when the vendor folder is older than node_modules or
#     than this script.
# Pass -f to force both steps.
#
# What is copied (and why):
#   bootstrap-italia  css/bootstrap-italia.min.css, js/bootstrap-italia.bundle.min.js,
#                     svg/sprites.svg (icons), fonts/ (woff2 + woff only, read by
#                     web/static/fonts.css) and LICENSE: the look of Italian PA sites.
#   htmx.org          htmx.min.js: progressive enhancement of server-rendered forms.
#   jsqr              jsQR.js: reads a receipt's QR code from the camera in the back
#                     office's search (loaded only when the operator opens the camera).
# axe-core is not copied: only browser tests use it, and they read
# node_modules/axe-core/axe.min.js directly (see internal/browsertest).
set -eu

cd "$(dirname "$0")/.."

force=0
if [ "${1:-}" = "-f" ]; then
	force=1
fi

lock=node_modules/.package-lock.json
if [ "$force" = 1 ] || [ ! -f "$lock" ] || [ package-lock.json -nt "$lock" ] || [ package.json -nt "$lock" ]; then
	if ! command -v npm >/dev/null 2>&1; then
		echo "web/assets.sh: npm not found; install Node.js 20+ (apt-get install -y nodejs npm)" >&2
		exit 1
	fi
	npm ci --no-audit --no-fund --loglevel=error
	touch "$lock"
fi

vendor=web/static/vendor
stamp=$vendor/.stamp
if [ "$force" = 0 ] && [ -f "$stamp" ] && [ ! "$lock" -nt "$stamp" ] && [ ! web/assets.sh -nt "$stamp" ]; then
	exit 0
fi

bi=node_modules/bootstrap-italia/dist
tmp=web/static/.vendor.tmp
rm -rf "$tmp"
mkdir -p "$tmp/css" "$tmp/js" "$tmp/svg" "$tmp/fonts"

cp "$bi/css/bootstrap-italia.min.css" "$tmp/css/"
cp "$bi/js/bootstrap-italia.bundle.min.js" "$tmp/js/"
cp "$bi/svg/sprites.svg" "$tmp/svg/"
cp node_modules/bootstrap-italia/LICENSE "$tmp/LICENSE-bootstrap-italia"
for dir in "$bi"/fonts/*/; do
	name=$(basename "$dir")
	mkdir -p "$tmp/fonts/$name"
	for f in "$dir"*.woff2 "$dir"*.woff "$dir"LICENSE*; do
		if [ -f "$f" ]; then
			cp "$f" "$tmp/fonts/$name/"
		fi
	done
done
cp node_modules/htmx.org/dist/htmx.min.js "$tmp/js/"
cp node_modules/htmx.org/LICENSE "$tmp/LICENSE-htmx"
cp node_modules/jsqr/dist/jsQR.js "$tmp/js/"
cp node_modules/jsqr/LICENSE "$tmp/LICENSE-jsqr"

# The CSS ends with a sourceMappingURL to a map we do not ship; drop the comment
# so browsers do not ask for it.
sed -i 's|/\*# sourceMappingURL=[^*]*\*/||' "$tmp/css/bootstrap-italia.min.css"

touch "$tmp/.stamp"
rm -rf "$vendor"
mv "$tmp" "$vendor"
echo "web/assets.sh: copied front-end assets to $vendor"
