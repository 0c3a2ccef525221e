/* global window */
// Hand-drawn canvas line/area charts for the dashboard (no libraries): a time series per
// colour, y-axis with rounded ticks, light grid, crisp on HiDPI screens.
(function () {
  'use strict';

  function niceMax(v) {
    if (v <= 0) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    const n = v / p;
    const step = n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10;
    return step * p;
  }

  function fmt(v) {
    if (v >= 1e6) return (v / 1e6).toFixed(1) + 'M';
    if (v >= 1e3) return (v / 1e3).toFixed(1) + 'k';
    return String(Math.round(v * 10) / 10);
  }

  // series: [{ label, color, values: number[] }], times: number[] (ms)
  function drawChart(canvas, times, series, opts) {
    const options = opts || {};
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    if (w === 0 || h === 0) return;
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const left = 44;
    const right = 8;
    const top = 10;
    const bottom = 22;
    const pw = w - left - right;
    const ph = h - top - bottom;
    let max = 0;
    for (const s of series) for (const v of s.values) if (v > max) max = v;
    max = niceMax(max * 1.1);
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#9ca3af';
    ctx.strokeStyle = '#eef0f4';
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let i = 0; i <= 4; i++) {
      const y = top + ph - (ph * i) / 4;
      ctx.beginPath();
      ctx.moveTo(left, Math.round(y) + 0.5);
      ctx.lineTo(w - right, Math.round(y) + 0.5);
      ctx.stroke();
      ctx.fillText(fmt((max * i) / 4), left - 8, y);
    }
    const n = times.length;
    if (n > 1) {
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      const span = (times[n - 1] - times[0]) / 1000;
      ctx.fillText('-' + Math.round(span) + 's', left + 14, top + ph + 6);
      ctx.fillText('now', w - right - 12, top + ph + 6);
    }
    const x = (i) => left + (n <= 1 ? pw : (pw * i) / (n - 1));
    const y = (v) => top + ph - (ph * v) / max;
    for (const s of series) {
      if (n === 0) continue;
      ctx.beginPath();
      s.values.forEach((v, i) => (i === 0 ? ctx.moveTo(x(i), y(v)) : ctx.lineTo(x(i), y(v))));
      if (options.area) {
        ctx.lineTo(x(n - 1), top + ph);
        ctx.lineTo(x(0), top + ph);
        ctx.closePath();
        ctx.globalAlpha = 0.14;
        ctx.fillStyle = s.color;
        ctx.fill();
        ctx.globalAlpha = 1;
        ctx.beginPath();
        s.values.forEach((v, i) => (i === 0 ? ctx.moveTo(x(i), y(v)) : ctx.lineTo(x(i), y(v))));
      }
      ctx.strokeStyle = s.color;
      ctx.lineWidth = 2;
      ctx.lineJoin = 'round';
      ctx.stroke();
    }
  }

  window.WarrenCharts = { drawChart: drawChart, fmt: fmt };
})();
