// The national map of pairings: a line from each old-area city to its partner, over the vendored China map.
// Tooltips are drawn on the canvas (renderMode "richText"): ECharts' HTML tooltips carry inline style attributes,
// which the Content-Security-Policy refuses. The pairings come from data-pairings-url, or (the public site, whose
// pages are cached) from the JSON script element named by data-source.
(function () {
  const el = document.getElementById("pairing-map");
  if (!el || !window.echarts) return;
  const chart = echarts.init(el);
  const pairings = el.dataset.source
    ? Promise.resolve(JSON.parse(document.getElementById(el.dataset.source).textContent))
    : fetch(el.dataset.pairingsUrl).then(r => r.json());
  Promise.all([fetch(el.dataset.mapUrl).then(r => r.json()), pairings])
    .then(([geo, data]) => {
      echarts.registerMap("china", geo);
      const lines = data.pairings.filter(p => p.old.coord && p.partner.coord).map(p => ({
        name: p.label, url: p.url, coords: [p.old.coord, p.partner.coord],
      }));
      const cities = {};
      data.pairings.forEach(p => {
        [["old", "#c1121f"], ["partner", "#1d4e89"]].forEach(([side, color]) => {
          const c = p[side];
          if (c.coord && !cities[c.name]) cities[c.name] = {name: c.name, value: c.coord, url: p.url, itemStyle: {color}};
        });
      });
      chart.setOption({
        tooltip: {trigger: "item", renderMode: "richText", formatter: params => params.data.name || params.name},
        geo: {map: "china", roam: true, zoom: 1.15, center: [108, 34], label: {show: false},
              itemStyle: {areaColor: "#f7f1e8", borderColor: "#b9a88f"}, emphasis: {itemStyle: {areaColor: "#f1e3c6"}}},
        series: [
          {type: "lines", coordinateSystem: "geo", data: lines, zlevel: 2, symbol: ["none", "arrow"], symbolSize: 7,
           lineStyle: {color: "#c1121f", width: 2, opacity: 0.75, curveness: 0.2},
           emphasis: {lineStyle: {width: 4}}},
          {type: "effectScatter", coordinateSystem: "geo", data: Object.values(cities), zlevel: 3, symbolSize: 8,
           rippleEffect: {scale: 2.5}, label: {show: true, position: "right", formatter: "{b}", fontSize: 11},
           // labels never cover each other: one that would is hidden (the name shows on hover, and when zoomed in)
           labelLayout: {hideOverlap: true}},
        ],
      });
      chart.on("click", params => { if (params.data && params.data.url) window.location.href = params.data.url; });
      el.dataset.ready = "1";
    });
  window.addEventListener("resize", () => chart.resize());
})();
