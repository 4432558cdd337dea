// The red-culture platform's map: each published resource a point, a route's stops joined in their order, over the
// vendored China map. The data comes from the JSON script element named by data-source (the public pages are
// cached); tooltips are drawn on the canvas (the Content-Security-Policy refuses ECharts' inline-styled HTML ones).
(function () {
  const el = document.getElementById("culture-map");
  if (!el || !window.echarts) return;
  const data = JSON.parse(document.getElementById(el.dataset.source).textContent);
  const chart = echarts.init(el);
  fetch(el.dataset.mapUrl).then(r => r.json()).then(geo => {
    echarts.registerMap("china", geo);
    const coords = data.points.map(p => p.coord);
    let center = [108, 34], zoom = 1.15;
    if (coords.length) {
      const lons = coords.map(c => c[0]), lats = coords.map(c => c[1]);
      center = [(Math.min(...lons) + Math.max(...lons)) / 2, (Math.min(...lats) + Math.max(...lats)) / 2];
      const span = Math.max(Math.max(...lons) - Math.min(...lons), Math.max(...lats) - Math.min(...lats), 0.5);
      zoom = Math.max(1.15, Math.min(12, 24 / span));
    }
    chart.setOption({
      tooltip: {trigger: "item", renderMode: "richText", formatter: p => (p.data && p.data.name) || p.name},
      geo: {map: "china", roam: true, zoom, center, label: {show: false},
            itemStyle: {areaColor: "#f7f1e8", borderColor: "#b9a88f"}, emphasis: {itemStyle: {areaColor: "#f1e3c6"}}},
      series: [
        {type: "lines", coordinateSystem: "geo", polyline: true, zlevel: 2, data: data.routes,
         lineStyle: {color: "#c1121f", width: 3, opacity: 0.8}},
        {type: "scatter", coordinateSystem: "geo", zlevel: 3, symbolSize: 10, itemStyle: {color: "#c1121f"},
         data: data.points.map(p => ({name: p.label ? p.label + " " + p.name : p.name, value: p.coord, url: p.url})),
         label: {show: true, position: "right", formatter: "{b}", fontSize: 11}, labelLayout: {hideOverlap: true}},
      ],
    });
    chart.on("click", p => { if (p.data && p.data.url) window.location.href = p.data.url; });
    el.dataset.ready = "1";
  });
  window.addEventListener("resize", () => chart.resize());
})();
