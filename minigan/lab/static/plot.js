// Drawing for the lab page: the plane (D's heat map, points, G's gradient arrows) and small charts.
// Plain canvas 2D, no libraries, so the page works offline.
"use strict";

// Matplotlib's PiYG, the palette minigan.viz uses: purple-pink = "fake", green = "real".
const PIYG = ["#8e0152", "#c51b7d", "#de77ae", "#f1b6da", "#fde0ef", "#f7f7f7",
              "#e6f5d0", "#b8e186", "#7fbc41", "#4d9221", "#276419"].map(hex =>
  [1, 3, 5].map(i => parseInt(hex.slice(i, i + 2), 16)));
const REAL = "#7fd34e", FAKE = "#c77cff";

function piyg(v) {                       // v in 0..1 -> [r, g, b]
  const x = Math.min(Math.max(v, 0), 1) * (PIYG.length - 1);
  const i = Math.min(Math.floor(x), PIYG.length - 2), t = x - i;
  return PIYG[i].map((c, k) => c + t * (PIYG[i + 1][k] - c));
}

// Plane coordinates <-> canvas pixels, for a square extent [xmin, xmax, ymin, ymax].
function planeMap(canvas, extent) {
  const [xmin, xmax, ymin, ymax] = extent, w = canvas.width, h = canvas.height;
  return {
    px: x => (x - xmin) / (xmax - xmin) * w,
    py: y => h - (y - ymin) / (ymax - ymin) * h,
    fromPixel: (u, v) => [xmin + u / w * (xmax - xmin), ymin + (h - v) / h * (ymax - ymin)],
  };
}

const heatCanvas = document.createElement("canvas");

function drawHeat(ctx, heat, n) {
  // One pixel per cell on a small canvas, scaled up with smoothing: bilinear, as viz draws it.
  heatCanvas.width = heatCanvas.height = n;
  const hctx = heatCanvas.getContext("2d"), image = hctx.createImageData(n, n);
  for (let row = 0; row < n; row++) {          // row 0 of the frame is the bottom of the plane
    for (let col = 0; col < n; col++) {
      const [r, g, b] = piyg(heat[row * n + col] / 255), at = 4 * ((n - 1 - row) * n + col);
      image.data[at] = r; image.data[at + 1] = g; image.data[at + 2] = b; image.data[at + 3] = 217;
    }
  }
  hctx.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(heatCanvas, 0, 0, ctx.canvas.width, ctx.canvas.height);
}

function drawPoints(ctx, map, flat, color, radius) {
  ctx.fillStyle = color; ctx.strokeStyle = "#000"; ctx.lineWidth = 0.7;
  for (let i = 0; i < flat.length; i += 2) {
    ctx.beginPath();
    ctx.arc(map.px(flat[i]), map.py(flat[i + 1]), radius, 0, 2 * Math.PI);
    ctx.fill(); ctx.stroke();
  }
}

function drawArrows(ctx, map, fake, arrows, length) {
  ctx.strokeStyle = "rgba(0,0,0,0.6)"; ctx.lineWidth = 1;
  ctx.beginPath();
  for (let i = 0; i < fake.length; i += 2) {
    const x = map.px(fake[i]), y = map.py(fake[i + 1]);
    const dx = arrows[i] * length, dy = -arrows[i + 1] * length;
    if (dx === 0 && dy === 0) continue;
    const ex = x + dx, ey = y + dy, a = Math.atan2(dy, dx);
    ctx.moveTo(x, y); ctx.lineTo(ex, ey);
    ctx.moveTo(ex - 4 * Math.cos(a - 0.5), ey - 4 * Math.sin(a - 0.5)); ctx.lineTo(ex, ey);
    ctx.lineTo(ex - 4 * Math.cos(a + 0.5), ey - 4 * Math.sin(a + 0.5));
  }
  ctx.stroke();
}

function drawPlane(canvas, frame, drawn) {
  const ctx = canvas.getContext("2d"), map = planeMap(canvas, frame.extent);
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, canvas.width, canvas.height);
  drawHeat(ctx, frame.heat, frame.heat_size);
  drawPoints(ctx, map, frame.real, REAL, 3.2);
  drawArrows(ctx, map, frame.fake, frame.arrows, 0.04 * canvas.width);
  drawPoints(ctx, map, frame.fake, FAKE, 3.2);
  if (drawn) drawPoints(ctx, map, drawn.flat(), "#ffd24d", 4);
  ctx.fillStyle = "rgba(0,0,0,0.7)"; ctx.font = "13px sans-serif";
  ctx.fillText(`step ${frame.step}`, 8, 18);
  return map;
}

// A line chart: series = [{label, color, values}], xs shared; null values leave gaps.
function drawLines(canvas, xs, series, fixed) {
  const ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height, pad = 28;
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, w, h);
  const all = series.flatMap(s => s.values).filter(v => v !== null && isFinite(v));
  if (!xs.length || !all.length) return;
  let lo = fixed ? fixed[0] : Math.min(...all), hi = fixed ? fixed[1] : Math.max(...all);
  if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
  const x0 = xs[0], x1 = Math.max(xs[xs.length - 1], x0 + 1);
  const px = x => pad + (x - x0) / (x1 - x0) * (w - pad - 6), py = v => h - 14 - (v - lo) / (hi - lo) * (h - 24);
  ctx.strokeStyle = "#ccc"; ctx.strokeRect(pad, 10, w - pad - 6, h - 24);
  ctx.fillStyle = "#555"; ctx.font = "10px sans-serif";
  ctx.fillText(hi.toPrecision(3), 0, 14); ctx.fillText(lo.toPrecision(3), 0, h - 14);
  ctx.fillText(String(x1), w - 40, h - 2);
  series.forEach((s, k) => {
    ctx.strokeStyle = s.color; ctx.lineWidth = 1.5; ctx.beginPath();
    let open = false;
    s.values.forEach((v, i) => {
      if (v === null || !isFinite(v)) { open = false; return; }
      open ? ctx.lineTo(px(xs[i]), py(v)) : ctx.moveTo(px(xs[i]), py(v));
      open = true;
    });
    ctx.stroke();
    ctx.fillStyle = s.color; ctx.fillText(s.label, pad + 6 + 90 * k, 9);
  });
}

function drawHistogram(canvas, hist, color, title) {
  const ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, w, h);
  ctx.fillStyle = "#333"; ctx.font = "11px sans-serif"; ctx.fillText(title, 4, 11);
  if (!hist.counts.length) return;
  const top = Math.max(...hist.counts), bw = (w - 8) / hist.counts.length;
  ctx.fillStyle = color;
  hist.counts.forEach((c, i) => {
    const bh = c / top * (h - 30);
    ctx.fillRect(4 + i * bw, h - 14 - bh, bw - 1, bh);
  });
  ctx.fillStyle = "#555";
  ctx.fillText(hist.edges[0].toPrecision(2), 2, h - 2);
  const last = hist.edges[hist.edges.length - 1].toPrecision(2);
  ctx.fillText(last, w - 6 * last.length - 4, h - 2);
}
