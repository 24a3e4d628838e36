#!/usr/bin/env bash
# Vendor the Swagger UI and ReDoc assets that /docs and /redoc serve, with their licences,
# from the npm registry (pinned versions): bash scripts/vendor_docs_assets.sh
# Needs npm and tar. Rewrites api/static/ and its MANIFEST.txt (file, bytes, sha256).
set -euo pipefail
cd "$(dirname "$0")/.."

SWAGGER_UI_VERSION=5.35.0   # npm: swagger-ui-dist
REDOC_VERSION=2.5.4         # npm: redoc (2.x: bundles/redoc.standalone.js)

dest=api/static
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "swagger-ui-dist@$SWAGGER_UI_VERSION" "redoc@$REDOC_VERSION" >/dev/null)
mkdir -p "$work/swagger" "$work/redoc"
tar -xzf "$work/swagger-ui-dist-$SWAGGER_UI_VERSION.tgz" -C "$work/swagger"
tar -xzf "$work/redoc-$REDOC_VERSION.tgz" -C "$work/redoc"

rm -rf "$dest/swagger-ui" "$dest/redoc"
mkdir -p "$dest/swagger-ui" "$dest/redoc"
for file in swagger-ui-bundle.js swagger-ui.css favicon-32x32.png LICENSE NOTICE; do
    cp "$work/swagger/package/$file" "$dest/swagger-ui/"
done
cp "$work/redoc/package/bundles/redoc.standalone.js" "$dest/redoc/"
cp "$work/redoc/package/LICENSE" "$dest/redoc/"

{
    echo "# Vendored by scripts/vendor_docs_assets.sh; do not edit by hand."
    echo "swagger-ui-dist $SWAGGER_UI_VERSION (Apache-2.0), redoc $REDOC_VERSION (MIT)"
    (cd "$dest" && find swagger-ui redoc -type f | sort | while read -r f; do
        echo "$f $(wc -c <"$f") $(sha256sum "$f" | cut -d' ' -f1)"
    done)
} >"$dest/MANIFEST.txt"
echo "vendored swagger-ui-dist $SWAGGER_UI_VERSION and redoc $REDOC_VERSION into $dest"
