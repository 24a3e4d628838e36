#!/usr/bin/env bash
# Vendor the browser assets the API serves, with their licences, from the npm registry
# (pinned versions): Swagger UI and ReDoc (/docs, /redoc), Leaflet and its clustering plugin
# (the console's map) and axe-core (the console's accessibility test).
#   bash scripts/vendor_docs_assets.sh
# Needs npm and tar. Rewrites those folders of api/static/ and its MANIFEST.txt
# (file, bytes, sha256).
set -euo pipefail
cd "$(dirname "$0")/.."

SWAGGER_UI_VERSION=5.35.0      # npm: swagger-ui-dist
REDOC_VERSION=2.5.4            # npm: redoc (2.x: bundles/redoc.standalone.js)
LEAFLET_VERSION=1.9.4          # npm: leaflet
MARKERCLUSTER_VERSION=1.5.3    # npm: leaflet.markercluster (1.x: for Leaflet 1.x)
AXE_VERSION=4.11.0             # npm: axe-core

dest=api/static
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "swagger-ui-dist@$SWAGGER_UI_VERSION" "redoc@$REDOC_VERSION" \
    "leaflet@$LEAFLET_VERSION" "leaflet.markercluster@$MARKERCLUSTER_VERSION" \
    "axe-core@$AXE_VERSION" >/dev/null)
for name in swagger redoc leaflet markercluster axe; do mkdir -p "$work/$name"; done
tar -xzf "$work/swagger-ui-dist-$SWAGGER_UI_VERSION.tgz" -C "$work/swagger"
tar -xzf "$work/redoc-$REDOC_VERSION.tgz" -C "$work/redoc"
tar -xzf "$work/leaflet-$LEAFLET_VERSION.tgz" -C "$work/leaflet"
tar -xzf "$work/leaflet.markercluster-$MARKERCLUSTER_VERSION.tgz" -C "$work/markercluster"
tar -xzf "$work/axe-core-$AXE_VERSION.tgz" -C "$work/axe"

folders=(swagger-ui redoc leaflet leaflet.markercluster axe-core)
for folder in "${folders[@]}"; do rm -rf "${dest:?}/$folder"; mkdir -p "$dest/$folder"; done
for file in swagger-ui-bundle.js swagger-ui.css favicon-32x32.png LICENSE NOTICE; do
    cp "$work/swagger/package/$file" "$dest/swagger-ui/"
done
cp "$work/redoc/package/bundles/redoc.standalone.js" "$dest/redoc/"
cp "$work/redoc/package/LICENSE" "$dest/redoc/"
cp "$work/leaflet/package/dist/leaflet.js" "$work/leaflet/package/dist/leaflet.css" \
    "$work/leaflet/package/LICENSE" "$dest/leaflet/"
cp "$work/markercluster/package/dist/leaflet.markercluster.js" \
    "$work/markercluster/package/dist/MarkerCluster.css" \
    "$work/markercluster/package/dist/MarkerCluster.Default.css" \
    "$work/markercluster/package/MIT-LICENCE.txt" "$dest/leaflet.markercluster/"
cp "$work/axe/package/axe.min.js" "$work/axe/package/LICENSE" \
    "$work/axe/package/LICENSE-3RD-PARTY.txt" "$dest/axe-core/"

{
    echo "# Vendored by scripts/vendor_docs_assets.sh; do not edit by hand."
    echo "swagger-ui-dist $SWAGGER_UI_VERSION (Apache-2.0), redoc $REDOC_VERSION (MIT),"\
         "leaflet $LEAFLET_VERSION (BSD-2-Clause), leaflet.markercluster $MARKERCLUSTER_VERSION (MIT),"\
         "axe-core $AXE_VERSION (MPL-2.0)"
    (cd "$dest" && find "${folders[@]}" -type f | sort | while read -r f; do
        echo "$f $(wc -c <"$f") $(sha256sum "$f" | cut -d' ' -f1)"
    done)
} >"$dest/MANIFEST.txt"
echo "vendored ${folders[*]} into $dest"
