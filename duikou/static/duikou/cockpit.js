// The cockpit's map: a line per pairing from the old-area city to its partner, in the colour of the pairing's state
// (the page's tables say the state in words). Same vendored China map and drawing as the home page's map
// (pairing_map.js). Tooltips are drawn on the canvas (renderMode "richText"): ECharts' HTML tooltips carry inline
// style attributes, which the Content-Security-Policy refuses. Also: the print button.
(function () {
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
  // The part of the map the pairings lie in (a province's few, or the whole country's), with a margin; at least
  // 14° across so that a single pairing still shows its surroundings.
  function frame(pairings) {
    const points = [];
    pairings.forEach(p => [p.old.coord, p.partner.coord].forEach(c => { if (c) points.push(c); }));
    if (!points.length) return [[73, 54], [135.5, 17.5]];
    const lngs = points.map(c => c[0]), lats = points.map(c => c[1]);
    let [west, east, south, north] = [Math.min(...lngs), Math.max(...lngs), Math.min(...lats), Math.max(...lats)];
    const grow = (lo, hi, least) => {
      const pad = Math.max((least - (hi - lo)) / 2, 2);
      return [lo - pad, hi + pad];
    };
    [west, east] = grow(west, east, 14);
    [south, north] = grow(south, north, 10);
    return [[west, north], [east, south]];
  }
  const el = document.getElementById("cockpit-map");
  if (!el || !window.echarts) return;
  const data = JSON.parse(document.getElementById(el.dataset.source).textContent);
  const chart = echarts.init(el);
  fetch(el.dataset.mapUrl).then(r => r.json()).then(geo => {
    echarts.registerMap("china", geo);
    const series = Object.keys(data.colours).map(state => {
      const colour = data.colours[state];
      const mine = data.pairings.filter(p => p.state === state && p.old.coord && p.partner.coord);
      return {
        type: "lines", name: data.labels[state], coordinateSystem: "geo", zlevel: 2, symbol: ["circle", "arrow"],
        symbolSize: 7, lineStyle: {color: colour, width: 2.5, opacity: 0.85, curveness: 0.2},
        emphasis: {lineStyle: {width: 4}},
        data: mine.map(p => ({name: p.label + "：" + data.labels[state], url: p.url, coords: [p.old.coord, p.partner.coord]})),
      };
    });
    const cities = {};
    data.pairings.forEach(p => {
      if (p.old.coord && !cities[p.old.name]) {
        cities[p.old.name] = {name: p.old.name, value: p.old.coord, url: p.url, itemStyle: {color: data.colours[p.state]}};
      }
    });
    series.push({type: "scatter", coordinateSystem: "geo", zlevel: 3, symbolSize: 7, data: Object.values(cities),
                 label: {show: true, position: "right", formatter: "{b}", fontSize: 10},
                 labelLayout: {hideOverlap: true}});
    // Paper gets a picture of the map as drawn on screen (a canvas redrawn for the print layout may come out half
    // drawn): kept up to date after every drawing, shown instead of the canvas by the print stylesheet.
    const still = document.getElementById(el.dataset.printImage);
    chart.on("finished", () => {
      if (still) still.src = chart.getDataURL({pixelRatio: 2, backgroundColor: "#ffffff"});
      el.dataset.ready = "1";
    });
    chart.setOption({
      animation: false,
      legend: {bottom: 0, data: Object.keys(data.colours).map(s => data.labels[s])},
      tooltip: {trigger: "item", renderMode: "richText", formatter: p => p.data.name || p.name},
      geo: {map: "china", roam: true, boundingCoords: frame(data.pairings), label: {show: false},
            itemStyle: {areaColor: "#f7f1e8", borderColor: "#b9a88f"}, emphasis: {itemStyle: {areaColor: "#f1e3c6"}}},
      series: series,
    });
    chart.on("click", p => { if (p.data && p.data.url) window.location.href = p.data.url; });
  });
  window.addEventListener("resize", () => chart.resize());
})();
