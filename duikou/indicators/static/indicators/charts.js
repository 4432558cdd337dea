// Pivot charts (bars per column) and, when the rows are provinces or cities, a map of the row totals:
// provinces shaded on the vendored China map, cities as graduated circles at their centres.
(function () {
  if (!window.echarts) return;
  document.querySelectorAll(".pivot-chart").forEach(function (el) {
    var data = JSON.parse(document.getElementById(el.dataset.source).textContent);
    var chart = echarts.init(el);
    chart.setOption({tooltip: {trigger: "axis"}, legend: {}, grid: {containLabel: true},
      xAxis: {type: "category", data: data.categories}, yAxis: {type: "value", name: data.unit}, series: data.series});
    el.dataset.ready = "1";
    window.addEventListener("resize", function () { chart.resize(); });
  });
  document.querySelectorAll(".pivot-map").forEach(function (el) {
    var data = JSON.parse(document.getElementById(el.dataset.source).textContent);
    var values = data.totals.filter(function (v) { return v !== null; });
    var max = Math.max.apply(null, values.concat([1]));
    Promise.all([fetch(el.dataset.mapUrl).then(function (r) { return r.json(); }),
                 fetch(el.dataset.centersUrl).then(function (r) { return r.json(); })]).then(function (loaded) {
      var geo = loaded[0], centers = loaded[1];
      echarts.registerMap("china", geo);
      var chart = echarts.init(el), series;
      var visualMap = {min: 0, max: max, left: "left", bottom: 10, text: [data.unit, ""], calculable: true,
                       inRange: {color: ["#fde7e4", "#c1121f"]}};
      if (data.rows_dim === "province") {
        var byFeature = geo.features.map(function (f) {
          var name = f.properties.name, i = data.categories.findIndex(function (c) { return c.indexOf(name) === 0; });
          return {name: name, value: i >= 0 ? data.totals[i] : null};
        });
        series = [{type: "map", map: "china", roam: true, zoom: 1.15, center: [108, 34], data: byFeature,
                   itemStyle: {areaColor: "#f7f1e8", borderColor: "#b9a88f"}}];
      } else {
        var coords = {};
        Object.keys(centers).forEach(function (code) { coords[centers[code].name] = [centers[code].lng, centers[code].lat]; });
        var points = data.categories.map(function (name, i) {
          return coords[name] && data.totals[i] !== null ? {name: name, value: coords[name].concat([data.totals[i]])} : null;
        }).filter(Boolean);
        series = [{type: "scatter", coordinateSystem: "geo", data: points, encode: {value: 2},
                   symbolSize: function (v) { return 8 + 30 * Math.sqrt(v[2] / max); },
                   label: {show: true, position: "right", formatter: "{b}", fontSize: 11}}];
        visualMap.dimension = 2;
      }
      chart.setOption({
        tooltip: {trigger: "item", formatter: function (p) {
          var v = Array.isArray(p.value) ? p.value[2] : p.value;
          return p.name + "：" + (v === null || v === undefined || isNaN(v) ? "—" : v) + " " + data.unit; }},
        geo: {map: "china", roam: true, zoom: 1.15, center: [108, 34], show: data.rows_dim !== "province",
              itemStyle: {areaColor: "#f7f1e8", borderColor: "#b9a88f"}},
        visualMap: visualMap, series: series,
      });
      el.dataset.ready = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  });
})();
