/**
 * The report's script in the browser: draws each `<canvas data-chart>` from its spec
 * (charts.ts ChartSpec) with chart.js, and adds a copy button to each command block. Plain
 * ES2020 in a string, inlined into the report (no DOM types in this project's TypeScript), and
 * written without template literals so it can sit in one here. The tables carry every number;
 * without script the charts stay hidden (the `js` class on <html> shows them).
 */
export const CLIENT_SCRIPT = String.raw`(function () {
  'use strict';
  var root = document.documentElement;
  root.classList.add('js');
  var specs = JSON.parse(document.getElementById('chart-specs').textContent);

  function round(v, digits) {
    return Number(v.toFixed(digits)).toLocaleString('en-US');
  }
  var formats = {
    percent: function (v) { return round(v * 100, Math.abs(v) < 0.1 ? 1 : 0) + ' %'; },
    ms: function (v) { return (v < 1 ? round(v, 2) : round(v, v < 10 ? 1 : 0)) + ' ms'; },
    ratio: function (v) { return round(v, 2); },
    count: function (v) { return round(v, 0); },
    seconds: function (v) { return round(v, Math.abs(v) < 10 && v % 1 !== 0 ? 1 : 0) + ' s'; },
    headroom: function (v) { return round(v, v >= 10 ? 0 : v >= 1 ? 1 : 2) + '×'; }
  };
  function format(unit, v) { return formats[unit] ? formats[unit](v) : String(v); }

  function axis(spec, extra) {
    var a = {
      type: spec.log ? 'logarithmic' : 'linear',
      beginAtZero: !spec.log,
      title: { display: true, text: spec.title },
      ticks: { callback: function (v) { return format(spec.unit, Number(v)); } }
    };
    if (spec.min !== undefined) a.min = spec.min;
    if (spec.max !== undefined) a.max = spec.max;
    return Object.assign(a, extra || {});
  }

  // Bars that stand for a word ('overloaded', 'never') carry the word, not only a colour.
  Chart.register({
    id: 'stands',
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      var horizontal = chart.options.indexAxis === 'y';
      chart.data.datasets.forEach(function (d, i) {
        if (!d.stands || !chart.isDatasetVisible(i)) return;
        chart.getDatasetMeta(i).data.forEach(function (bar, j) {
          if (d.data[j] === null) return;
          ctx.save();
          ctx.font = 'bold 12px sans-serif';
          if (horizontal) {
            ctx.fillStyle = '#ffffff';
            ctx.textBaseline = 'middle';
            ctx.fillText(d.stands, Math.min(bar.x, bar.base) + 6, bar.y);
          } else {
            ctx.fillStyle = d.borderColor;
            ctx.textAlign = 'center';
            ctx.fillText(d.stands, bar.x, Math.min(bar.y, bar.base) - 4);
          }
          ctx.restore();
        });
      });
    }
  });

  function config(spec) {
    var valueId = spec.horizontal ? 'x' : 'y';
    var scales = {};
    scales[valueId] = axis(spec.value);
    if (spec.value2) {
      scales[valueId + '2'] = axis(spec.value2, {
        position: spec.horizontal ? 'top' : 'right',
        grid: { drawOnChartArea: false }
      });
    }
    if (spec.time) scales.x = axis(spec.time);
    var units = { value: spec.value.unit, value2: spec.value2 ? spec.value2.unit : spec.value.unit };
    return {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (d, i) {
          var ds = {
            label: d.label,
            data: d.data,
            backgroundColor: d.color,
            borderColor: d.color,
            borderWidth: spec.type === 'line' ? 1.5 : 0,
            borderDash: d.dashed ? [6, 4] : [],
            pointRadius: 0,
            spanGaps: false,
            stands: d.stands,
            unit: units[d.axis || 'value']
          };
          if (spec.overlap) {
            ds.grouped = false;
            ds.order = i;
          }
          ds[spec.horizontal ? 'xAxisID' : 'yAxisID'] = d.axis === 'value2' ? valueId + '2' : valueId;
          return ds;
        })
      },
      options: {
        indexAxis: spec.horizontal ? 'y' : 'x',
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        scales: scales,
        plugins: {
          legend: { position: 'bottom' },
          tooltip: {
            filter: function (item) { return item.raw !== null; },
            callbacks: {
              title: function (items) {
                return spec.time && items.length ? format('seconds', items[0].parsed.x) : undefined;
              },
              label: function (item) {
                var ds = item.dataset;
                var v = spec.horizontal ? item.parsed.x : item.parsed.y;
                return ds.label + ': ' + (ds.stands || format(ds.unit, v));
              }
            }
          }
        }
      }
    };
  }

  var drawn = 0;
  document.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
    var spec = specs[canvas.dataset.chart];
    if (!spec) throw new Error('no chart spec named ' + canvas.dataset.chart);
    canvas.parentElement.style.height = spec.height + 'px';
    new Chart(canvas, config(spec));
    drawn++;
  });

  function copied(button, text) {
    button.textContent = text;
    setTimeout(function () { button.textContent = 'Copy'; }, 2000);
  }
  function select(pre, button) {
    var range = document.createRange();
    range.selectNodeContents(pre);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    copied(button, 'Selected: press Ctrl+C');
  }
  document.querySelectorAll('pre.command').forEach(function (pre) {
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'copy';
    button.textContent = 'Copy';
    button.setAttribute('aria-label', 'Copy ' + (pre.getAttribute('aria-label') || 'these commands'));
    button.addEventListener('click', function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(pre.textContent).then(
          function () { copied(button, 'Copied'); },
          function () { select(pre, button); }
        );
      } else select(pre, button);
    });
    pre.parentElement.insertBefore(button, pre);
  });
  root.dataset.chartsDrawn = String(drawn);
})();
`;
