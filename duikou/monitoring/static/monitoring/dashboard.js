// The dashboard's bar chart: one bar per count, one group per region (data from the page's json_script).
// Tooltips are drawn on the canvas (renderMode "richText"): ECharts' HTML tooltips carry inline style attributes,
// which the Content-Security-Policy refuses.
(function () {
  if (!window.echarts) return;
  document.querySelectorAll(".monitoring-chart").forEach(function (el) {
    var data = JSON.parse(document.getElementById(el.dataset.source).textContent);
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: {trigger: "axis", renderMode: "richText"}, legend: {}, grid: {containLabel: true, left: 8, right: 8},
      xAxis: {type: "category", data: data.categories, axisLabel: {interval: 0, rotate: data.categories.length > 8 ? 30 : 0}},
      yAxis: {type: "value", minInterval: 1}, series: data.series
    });
    el.dataset.ready = "1";
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
