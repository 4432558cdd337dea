// The reporting-rate charts: reporting rate and on-time rate (%) by province and by period, from the figures the page
// embeds (the same as /indicators/timeliness/data/). Tooltips drawn on the canvas: ECharts' HTML tooltips carry
// inline styles, which the Content-Security-Policy refuses.
(function () {
  if (!window.echarts) return;
  document.querySelectorAll(".dk-chart[data-by]").forEach(function (el) {
    var data = JSON.parse(document.getElementById(el.dataset.source).textContent);
    var rows = el.dataset.by === "province" ? data.by_province : data.by_period;
    var names = rows.map(function (r) { return el.dataset.by === "province" ? r.name : r.period; });
    var chart = echarts.init(el);
    var label = {show: true, position: "top", formatter: "{c}%", fontSize: 10};
    chart.setOption({
      tooltip: {trigger: "axis", renderMode: "richText", valueFormatter: function (v) { return v + "%"; }},
      legend: {top: 0}, grid: {containLabel: true, top: 36, left: 8, right: 8, bottom: 8},
      xAxis: {type: "category", data: names, axisLabel: {interval: 0, rotate: names.length > 6 ? 30 : 0}},
      yAxis: {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}},
      series: [
        {name: el.dataset.reportingLabel || "上报率", type: "bar", itemStyle: {color: "#1d4e89"}, label: label,
         data: rows.map(function (r) { return r.reporting_rate; })},
        {name: el.dataset.onTimeLabel || "及时率", type: "bar", itemStyle: {color: "#2b8a3e"}, label: label,
         data: rows.map(function (r) { return r.on_time_rate; })},
      ],
    });
    el.dataset.ready = "1";
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
