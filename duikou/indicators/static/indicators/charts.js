// Pivot charts (bars per column) and the choropleth: every old-area city coloured by the indicator's aggregated
// Tooltips are drawn on the canvas (renderMode "richText"): ECharts' HTML tooltips carry inline style attributes,
// which the Content-Security-Policy refuses.
// value on the vendored city map (maps/china-cities.json: features keyed by division code, plus one line feature
// with the province borders, drawn over the cities). Cities without a value stay grey.
(function () {
  if (!window.echarts) return;
  document.querySelectorAll(".pivot-chart").forEach(function (el) {
    var data = JSON.parse(document.getElementById(el.dataset.source).textContent);
    var chart = echarts.init(el);
    // every category's name is shown: long or many names are turned, never dropped
    var longest = Math.max.apply(null, data.categories.map(function (c) { return String(c).length; }).concat([0]));
    var turned = data.categories.length > 6 || longest * data.categories.length > 40;
    chart.setOption({tooltip: {trigger: "axis", renderMode: "richText"}, legend: {}, grid: {containLabel: true},
      xAxis: {type: "category", data: data.categories, axisLabel: {interval: 0, rotate: turned ? 40 : 0}},
      yAxis: {type: "value", name: data.unit}, series: data.series});
    el.dataset.ready = "1";
    window.addEventListener("resize", function () { chart.resize(); });
  });

  var maps = {};  // one download and registration per map file, however many maps the page has
  function loadMap(url) {
    if (!maps[url]) {
      maps[url] = fetch(url).then(function (r) { return r.json(); }).then(function (geo) {
        var regions = geo.features.filter(function (f) { return f.properties.level !== "border"; });
        var borders = [];
        geo.features.forEach(function (f) {
          if (f.properties.level === "border") {
            f.geometry.coordinates.forEach(function (line) { borders.push({coords: line}); });
          }
        });
        // Under the name "china" ECharts adds the 南海诸岛 inset.
        echarts.registerMap("china", {type: "FeatureCollection", features: regions});
        return {regions: regions, borders: borders};
      });
    }
    return maps[url];
  }

  document.querySelectorAll(".pivot-map").forEach(function (el) {
    var data = JSON.parse(document.getElementById(el.dataset.source).textContent);
    var max = Math.max.apply(null, data.cities.map(function (c) { return c.value; }).concat([0])) || 1;
    loadMap(el.dataset.mapUrl).then(function (map) {
      var names = {};
      map.regions.forEach(function (f) { names[f.properties.code] = f.properties.name; });
      var values = data.cities.filter(function (c) { return names[c.code]; }).map(function (c) {
        return {name: names[c.code], value: c.value, code: c.code};
      });
      var chart = echarts.init(el);
      chart.setOption({
        tooltip: {trigger: "item", renderMode: "richText", formatter: function (p) {
          var v = p.value;
          return p.name + "：" + (v === null || v === undefined || isNaN(v) ? "—" : v + " " + data.unit); }},
        // Framed on the mainland, Hainan and the 南海诸岛 inset (the islands further south lie outside the frame).
        geo: {map: "china", roam: true, boundingCoords: [[73, 54], [135.5, 17.5]], selectedMode: false,
              layoutCenter: ["54%", "50%"], layoutSize: "125%",
              itemStyle: {areaColor: "#e3e3e3", borderColor: "#ffffff", borderWidth: 0.4},
              emphasis: {label: {show: false}, itemStyle: {areaColor: "#ffd166"}},
              regions: values.map(function (v) {
                // the name above the city, not over its colour
                return {name: v.name, label: {show: true, fontSize: 10, color: "#222", offset: [0, -12]}};
              }).concat([{name: "南海诸岛", silent: true,
                          itemStyle: {areaColor: "#ffffff", borderColor: "#7a6a55", borderWidth: 0.8}}])},
        visualMap: {type: "continuous", seriesIndex: 0, min: 0, max: max, left: "left", bottom: 10,
                    text: [data.unit, ""], calculable: true, inRange: {color: ["#fde7e4", "#c1121f"]}},
        series: [
          {type: "map", geoIndex: 0, data: values},
          {type: "lines", coordinateSystem: "geo", polyline: true, silent: true, data: map.borders,
           lineStyle: {color: "#7a6a55", width: 0.9, opacity: 0.9}},
        ],
      });
      el.dataset.ready = "1";
      el.dataset.cities = String(values.length);
      window.addEventListener("resize", function () { chart.resize(); });
    });
  });
})();
