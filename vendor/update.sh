#!/usr/bin/env bash
# Re-vendor the pinned front-end packages from the npm registry into opencxm/core/static/vendor/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); dest="$here/../opencxm/core/static/vendor"
cd "$here" && npm ci --ignore-scripts --no-audit --no-fund
m="$here/node_modules"
cp "$m/@tabler/core/dist/css/tabler.min.css" "$m/@tabler/core/dist/js/tabler.min.js" "$dest/tabler/"
cp "$m/echarts/dist/echarts.min.js" "$m/echarts/LICENSE" "$m/echarts/NOTICE" "$dest/echarts/"
cp "$m/htmx.org/dist/htmx.min.js" "$m/htmx.org/LICENSE" "$dest/htmx/"
sed -i 's#/\*\# sourceMappingURL=[^*]*\*/##; s#//\# sourceMappingURL=.*$##' "$dest"/tabler/*
rm -rf "$m"
