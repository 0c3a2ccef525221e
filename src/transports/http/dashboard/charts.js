/* global window */
// Hand-drawn canvas line/area charts for the dashboard (no libraries): a time series per
// colour, y-axis with rounded ticks, light grid, crisp on HiDPI screens.
(function () {
  'use strict';

  // The smallest 1, 2 or 5 × 10^k at or above v (v > 0).
  function niceStep(v) {
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    const n = v / p;
    return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * p;
  }

  // Four equal y ticks with round labels: the step is nice (integers for counts ≥ 4), and the
  // top is four steps, so no label is a fraction like 1.25 of a message.
  function yAxis(maxValue, integral) {
    let step = maxValue <= 0 ? 1 : niceStep((maxValue * 1.05) / 4);
    if (integral && step < 1) step = 1;
    return { step: step, max: step * 4 };
  }

  // "-1h", "-30 min", "-45s": how long before the last sample a time is.
  function ago(ms) {
    const s = Math.round(ms / 1000);
    if (s >= 3600 && s % 3600 === 0) return '-' + s / 3600 + 'h';
    if (s >= 120) return '-' + Math.round(s / 60) + ' min';
    return '-' + s + 's';
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
    let top0 = 0;
    let integral = true;
    for (const s of series)
      for (const v of s.values) {
        if (v > top0) top0 = v;
        if (!Number.isInteger(v)) integral = false;
      }
    const axis = yAxis(top0, integral);
    const max = axis.max;
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
      ctx.fillText(fmt(axis.step * i), left - 8, y);
    }
    const n = times.length;
    const t0 = n > 0 ? times[0] : 0;
    const span = n > 1 ? times[n - 1] - t0 : 0;
    if (n > 1) {
      // Positions follow the sample times (gaps stay gaps); labels at the start, middle, end.
      ctx.textBaseline = 'top';
      ctx.textAlign = 'left';
      ctx.fillText(ago(span), left, top + ph + 6);
      ctx.textAlign = 'center';
      ctx.fillText(ago(span / 2), left + pw / 2, top + ph + 6);
      ctx.textAlign = 'right';
      ctx.fillText('now', w - right, top + ph + 6);
    }
    const x = (i) => left + (span <= 0 ? pw : (pw * (times[i] - t0)) / span);
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

  window.WarrenCharts = { drawChart: drawChart, fmt: fmt, yAxis: yAxis, ago: ago };
})();
