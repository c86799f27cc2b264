// The lab page: polls the server's compact frame, draws it, and sends the buttons' and form's requests.
// Every number comes from minigan's own training step on the server; this file only draws and asks.
"use strict";

const $ = id => document.getElementById(id);
const lab = {              // the page's state; window.lab lets a test read it
  model: null,             // this page's model on the server (each page trains its own)
  state: null, frame: null, options: null,
  drawTimes: [], fps: 0, framesDrawn: 0, drawing: null, stageNumbers: {},
  framesAsked: 0,          // frame requests sent so far (each is numbered by this count)
  framesFrom: 0,           // frames asked for before this number may predate the last change: dropped
  frameShown: 0,           // the number of the frame drawn last
};
window.lab = lab;

async function api(path, body) {
  const init = body === undefined ? {} :
    {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)};
  if (lab.model !== null) path += (path.includes("?") ? "&" : "?") + `lab=${lab.model}`;
  const answer = await fetch(path, init);
  const data = await answer.json();
  if (!answer.ok) throw new Error(data.error || `HTTP ${answer.status}`);
  return data;
}

function say(text, isError) {
  const box = $("message");
  box.textContent = text || "";
  box.className = isError ? "error" : "";
}

// Run a request; show its message, or its error (the server kept the model as it was).
async function ask(path, body) {
  try {
    const state = await api(path, body);
    lab.framesFrom = lab.framesAsked + 1;      // the model may have changed: only newer frames count
    fetchFrame().catch(() => {});              // ... and the next one is asked for at once
    showState(state);
    say(state.message);
    return state;
  } catch (err) {
    say(err.message, true);
    return null;
  }
}

// -- the frame loop: ask for a frame, draw it, ask again (15 a second at most) ------------------
// A frame and the answer to a button's request travel on different connections, and the larger
// frame can arrive after an answer although the server drew it before that request ran: drawn then,
// it would show the model as it was before the pause or the stage (a step behind, the stage list
// redrawn backwards). So each frame is numbered when asked for, and one asked for before the last
// answer to a request, or before the frame already drawn, is dropped.
async function fetchFrame() {
  const number = ++lab.framesAsked;
  const frame = await api("/api/frame");
  if (number < lab.framesFrom || number < lab.frameShown) return;
  lab.frameShown = number;
  drawFrame(frame);
}

async function poll() {
  const started = performance.now();
  try {
    await fetchFrame();
  } catch (err) {
    say(`lost the server: ${err.message}`, true);
  }
  setTimeout(poll, Math.max(0, 66 - (performance.now() - started)));
}

function drawFrame(frame) {
  const changed = !lab.frame || frame.step !== lab.frame.step || frame.version !== lab.frame.version;
  lab.frame = frame;
  lab.map = drawPlane($("plane"), frame, lab.drawing);
  if (changed) countFrame();
  $("step").textContent = frame.step;
  $("speed").textContent = frame.steps_per_s.toFixed(0);
  $("play").textContent = frame.playing ? "Pause" : "Play";
  drawModes(frame, lab.history);
  drawGradNorms(frame.grad_norms);
  if (frame.stage) showStages(frame.stage);
  refreshInspect(frame);
}

// The curves change slowly and hold thousands of numbers: asked for three times a second.
async function pollHistory() {
  try {
    const history = await api("/api/history");
    lab.history = history;
    const c = history.curves;
    drawLines($("losses"), c.step, [{label: "D loss", color: "#1f77b4", values: c.d_loss},
                                    {label: "G loss", color: "#d62728", values: c.g_loss}]);
    drawLines($("outputs"), c.step, [{label: "D(x)", color: "#2ca02c", values: c.d_real},
                                     {label: "D(G(z))", color: "#9467bd", values: c.d_fake}]);
    if (lab.frame) drawModes(lab.frame, history);
  } catch (err) { /* the frame loop reports a lost server */ }
  setTimeout(pollHistory, 330);
}

function countFrame() {
  // Frames per second = new pictures drawn over the last two seconds.
  const now = performance.now();
  lab.framesDrawn += 1;
  lab.drawTimes.push(now);
  while (lab.drawTimes.length && now - lab.drawTimes[0] > 2000) lab.drawTimes.shift();
  lab.fps = lab.drawTimes.length > 1 ? (lab.drawTimes.length - 1) / ((now - lab.drawTimes[0]) / 1000) : 0;
  $("fps").textContent = lab.fps.toFixed(0);
}

function drawModes(frame, history) {
  const m = frame.modes, c = history ? history.mode_curve : {step: [], modes: [], high_quality: [], reverse_kl: []};
  if (!m) {
    $("modes-now").textContent = "(only for the built-in mixtures)";
    drawLines($("modes"), [], []);
    return;
  }
  $("modes-now").textContent = `${m.modes} / ${m.n_modes} captured, ${m.high_quality.toFixed(1)} % high quality, ` +
    `reverse KL ${m.reverse_kl.toFixed(3)}`;
  lab.modes = m;
  drawLines($("modes"), c.step, [{label: "modes / total", color: "#ff7f0e", values: c.modes.map(v => v / m.n_modes)},
                                 {label: "high quality", color: "#17becf", values: c.high_quality.map(v => v / 100)},
                                 {label: "reverse KL / 3", color: "#7f7f7f", values: c.reverse_kl.map(v => v / 3)}],
            [0, 1]);
}

function drawGradNorms(norms) {
  const box = $("gradnorms"), names = Object.keys(norms);
  const top = Math.max(1e-12, ...Object.values(norms));
  if (box.childElementCount !== names.length) {
    box.innerHTML = "";
    names.forEach(name => {
      const row = document.createElement("div");
      row.className = "gradrow"; row.dataset.layer = name;
      row.innerHTML = `<span class="name">${name}</span><span class="bar"></span><span class="value"></span>`;
      row.addEventListener("click", () => inspect(name));
      box.appendChild(row);
    });
  }
  box.querySelectorAll(".gradrow").forEach(row => {
    const v = norms[row.dataset.layer];
    if (v === undefined) return;
    row.querySelector(".bar").style.width = `${Math.max(1, 160 * v / top)}px`;
    row.querySelector(".value").textContent = v.toExponential(2);
  });
}

async function inspect(name, quietly) {
  lab.inspected = name;
  lab.inspectedAt = performance.now();
  try {
    const answer = await api(`/api/layer?name=${encodeURIComponent(name)}`);
    lab.inspectedStep = answer.step;
    $("inspect").hidden = false;
    $("inspect-name").textContent = `${answer.layer} at step ${answer.step}`;
    const box = $("histograms");
    box.innerHTML = "";
    for (const [param, h] of Object.entries(answer.params)) {
      for (const [what, color] of [["weights", "#4c72b0"], ["grads", "#dd8452"]]) {
        const canvas = document.createElement("canvas");
        canvas.width = 200; canvas.height = 90; canvas.className = `hist ${param}-${what}`;
        box.appendChild(canvas);
        drawHistogram(canvas, h[what], color, `${param} ${what === "grads" ? "gradients" : "values"} ` +
                      `${h.shape.join("x")}`);
      }
    }
  } catch (err) {
    if (quietly) { $("inspect").hidden = true; lab.inspected = null; } else say(err.message, true);
  }
}

function refreshInspect(frame) {
  // The open histograms follow the model, at most once a second (the layer may be gone after a restart).
  if (lab.inspected && frame.step !== lab.inspectedStep && performance.now() - lab.inspectedAt > 1000) {
    inspect(lab.inspected, true);
  }
}

// -- the stages of one step ------------------------------------------------------------------
function buildStages(stages) {
  $("stages").innerHTML = stages.map(s =>
    `<li data-stage="${s.name}"><b>${s.title}</b> <span class="about">${s.about}</span><table></table></li>`).join("");
}

function showStages(stage) {
  const last = stage.last;
  if (!last) lab.stageNumbers = {};          // whole steps were taken since: no stage to show
  else lab.stageNumbers[last.stage] = last.numbers;
  document.querySelectorAll("#stages li").forEach(li => {
    const name = li.dataset.stage, numbers = lab.stageNumbers[name];
    li.classList.toggle("current", !!last && last.stage === name);
    li.classList.toggle("next", stage.next === name);
    li.querySelector("table").innerHTML = numbers ? Object.entries(numbers).map(([k, v]) =>
      `<tr><td>${k}</td><td>${typeof v === "number" ? v.toPrecision(4) : v}</td></tr>`).join("") : "";
  });
}

async function nextStage() {
  const state = await ask("/api/stage", {});
  if (!state) return;
  if (state.ran.stage === "d_on_real" && state.ran.critic === 0) lab.stageNumbers = {};
  showStages({next: state.stage.next, last: state.ran});
}

// -- settings ---------------------------------------------------------------------------------
function fillControls(options, settings) {
  const form = $("controls");
  const fill = (select, names) => { select.innerHTML = names.map(n => `<option>${n}</option>`).join(""); };
  fill(form.dataset, options.datasets);
  fill(form.objective, [...options.objectives, ...options.recipes.filter(r => !options.objectives.includes(r))]);
  showSettings(settings);
}

function showSettings(settings) {
  const form = $("controls");
  for (const input of form.querySelectorAll("select, input")) {
    const value = settings[input.name];
    if (value === undefined) continue;
    if (input.tagName === "SELECT" && ![...input.options].some(o => o.value === String(value))) {
      input.insertAdjacentHTML("beforeend", `<option>${value}</option>`);
    }
    input.value = value;
  }
  $("schedule").textContent = `Learning-rate schedule: ${settings.schedule}.`;
  $("preset").textContent = `preset ${settings.preset}`;
  $("model").textContent = `model ${lab.model}`;
}

function showState(state) {
  lab.state = state;
  if (state.settings) showSettings(state.settings);
}

async function applySettings(event) {
  event.preventDefault();
  const form = $("controls"), now = lab.state.settings, changes = {};
  for (const input of form.querySelectorAll("select, input")) {
    const value = input.tagName === "SELECT" ? input.value : (input.value === "" ? null : Number(input.value));
    if (String(value) !== String(now[input.name])) changes[input.name] = value;
  }
  if (changes.dataset === "custom") {
    delete changes.dataset;
    say("draw points on the plane, then press 'Train on drawing'");
    startDrawing();
  }
  if (Object.keys(changes).length) await ask("/api/settings", changes);
  else if (!lab.drawing) say("nothing changed");
}

// -- drawing your own distribution ------------------------------------------------------------
function startDrawing() {
  lab.drawing = [];
  $("use-drawing").hidden = false;
  $("draw").textContent = "Cancel drawing";
  ask("/api/play", {playing: false});
}

function stopDrawing() {
  lab.drawing = null;
  $("use-drawing").hidden = true;
  $("draw").textContent = "Draw data";
}

function setupDrawing() {
  const canvas = $("plane");
  let down = false;
  const add = event => {
    if (!lab.drawing || !lab.map) return;
    const box = canvas.getBoundingClientRect();
    const u = (event.clientX - box.left) * canvas.width / box.width, v = (event.clientY - box.top) * canvas.height / box.height;
    const [x, y] = lab.map.fromPixel(u, v);
    const last = lab.drawing[lab.drawing.length - 1];
    if (!last || Math.hypot(x - last[0], y - last[1]) > 0.01 && lab.drawing.length < 2000) lab.drawing.push([x, y]);
    drawPlane(canvas, lab.frame, lab.drawing);
  };
  canvas.addEventListener("mousedown", e => { down = true; add(e); });
  canvas.addEventListener("mousemove", e => { if (down) add(e); });
  window.addEventListener("mouseup", () => { down = false; });
  $("draw").addEventListener("click", () => lab.drawing ? stopDrawing() : startDrawing());
  $("use-drawing").addEventListener("click", async () => {
    const points = lab.drawing;
    if (await ask("/api/settings", {dataset: "custom", points})) stopDrawing();
  });
}

// -- export -------------------------------------------------------------------------------------
function exportPng() {
  const link = document.createElement("a");
  link.download = `minigan-lab-step${lab.frame ? lab.frame.step : 0}.png`;
  link.href = $("plane").toDataURL("image/png");
  lab.lastPng = link.href;
  link.click();
}

// The page's own model: the one named in the address (#lab=N, kept over a reload), else a new one.
async function attach() {
  const named = new URLSearchParams(location.hash.slice(1)).get("lab");
  if (named !== null) {
    lab.model = named;
    try { return await api("/api/state"); } catch (err) { lab.model = null; }
  }
  lab.model = (await api("/api/new", {})).lab;
  history.replaceState(null, "", `#lab=${lab.model}`);
  return api("/api/state");
}

async function start() {
  const state = await attach();
  lab.options = state.options;
  buildStages(state.stages);
  fillControls(state.options, state.settings);
  showState(state);
  $("play").addEventListener("click", () => ask("/api/play", {playing: !(lab.frame && lab.frame.playing)}));
  $("one-step").addEventListener("click", () => ask("/api/step", {}));
  $("stage").addEventListener("click", nextStage);
  $("reset").addEventListener("click", () => { lab.stageNumbers = {}; ask("/api/reset", {}); });
  $("export-ckpt").addEventListener("click", async () => {
    const state = await ask("/api/export", {});
    if (state) { lab.exported = state.path; say(`checkpoint saved: ${state.path}`); }
  });
  $("export-png").addEventListener("click", exportPng);
  $("controls").addEventListener("submit", applySettings);
  setupDrawing();
  poll();
  pollHistory();
}

start().catch(err => say(`could not start: ${err.message}`, true));
