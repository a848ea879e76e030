// InstantViews viewer: the photo's lifted scene drawn every frame (the photo as a depth mesh torn at its depth edges,
// the layer lifted behind those edges, and behind both a backstop: the whole photo stretched over every gap and past
// the frame's edges, so no frame has a hole); the view the server generates for the pose the camera rests at
// replaces the backstop where it shows. Protocol: docs/viewer.md.
import * as THREE from './vendor/three/three.module.min.js';

const MESH_CELLS = 64;          // mesh cells across the photo's long side (software WebGL: keep it coarse)
const STRETCH_CUT = 2.0;        // a triangle longer than this many times its size in the photo is a tear: cut
const DRAG_PIXEL_RATIO = 0.5;   // drawing-buffer scale while the camera moves; full resolution when it rests
const REST_MS = 250;            // the camera counts as resting this long after the last move
const MAX_UPLOAD = 25 * 1024 * 1024;
// The backstop reaches this far past the photo's edges (in photo widths/heights) with rings of cells that double in
// size (1, 2, 4, ... cells): a 20-degree turn or a 20-degree tilt still sees no clear colour.
const BACKSTOP_MARGIN = 1.0;
const BACKSTOP_CELLS = 32;      // the backstop is coarser than the photo's mesh: it shows only what the layers leave open
const HOLE_COLOR = 0xff00ff; // the clear colour when a test asks to see holes (viewer.show({ holes: true }))
// While a drag moves the camera, poses go to the server at most every MOVING_SEND_MS (the browser and the server
// share the CPU when both run on one machine); a release, a key, the wheel or a reset sends at once.
// `?sendMs=0` in the address turns this off (the benchmark compares both).
const MOVING_SEND_MS = Number(new URLSearchParams(location.search).get('sendMs') ?? 100);

// Everything a test or a user may want to read: window.viewer.stats
const stats = { frames: 0, fps: 0, views: 0, lastLatencyMs: null, lastServerMs: null, model: '', photo: null,
                width: 0, height: 0, error: null, lastViewId: null, lastViewPose: null, ready: false };
const statusEl = document.getElementById('status');
const errorEl = document.getElementById('error');
const stage = document.getElementById('stage');

const renderer = new THREE.WebGLRenderer({ antialias: false, preserveDrawingBuffer: true });
renderer.setClearColor(0x202020);
renderer.autoClear = false;
stage.appendChild(renderer.domElement);
const scene = new THREE.Scene();
const camera = new THREE.Camera(); // unused by our shaders: they project with the photo's intrinsics

// Camera state: an orbit around the point on the source's optical axis at the median depth (as `orbit:` in the CLI).
const view = { yaw: 0, pitch: 0, dolly: 0 };
let photo = null;        // {id, width, height, fx, fy, cx, cy, medianDepth, ...}
let mesh = null, backstop = null, layerMesh = null;
// The backstop is drawn first, into its own scene; the depth buffer is then cleared so it never hides the layers.
const backScene = new THREE.Scene();
let lastMove = -1e9, needsSend = false, throttled = false, lastSent = -1e9, dirty = true, sentAt = new Map(), nextId = 1;
let socket = null, viewPose = null, showViews = true;

function showError(message) { stats.error = message; errorEl.textContent = message || ''; }

// Pose of the target camera as a row-major 4x4 world-to-camera matrix, world = the source camera (OpenCV axes).
function pose() {
  const y = view.yaw * Math.PI / 180, p = view.pitch * Math.PI / 180;
  const m = photo.medianDepth, r = Math.max(0.05 * m, m - view.dolly);
  const cy = Math.cos(y), sy = Math.sin(y), cp = Math.cos(p), sp = Math.sin(p);
  // R = RotY(yaw) * RotX(pitch): target-to-source rotation.
  const R = [cy, sy * sp, sy * cp,
             0, cp, -sp,
             -sy, cy * sp, cy * cp];
  // Target centre in source coordinates: (0, 0, m) - R (0, 0, r).
  const c = [-R[2] * r, -R[5] * r, m - R[8] * r];
  // World-to-camera = inverse: R^T, -R^T c.
  const Rt = [R[0], R[3], R[6], R[1], R[4], R[7], R[2], R[5], R[8]];
  const t = [-(Rt[0] * c[0] + Rt[1] * c[1] + Rt[2] * c[2]), -(Rt[3] * c[0] + Rt[4] * c[1] + Rt[5] * c[2]), -(Rt[6] * c[0] + Rt[7] * c[1] + Rt[8] * c[2])];
  return [Rt[0], Rt[1], Rt[2], t[0], Rt[3], Rt[4], Rt[5], t[1], Rt[6], Rt[7], Rt[8], t[2], 0, 0, 0, 1];
}

const meshVertex = `
  uniform mat4 uPose; uniform vec4 uIntr; uniform vec2 uSize; uniform float uNear; uniform float uFar; uniform float uStretch;
  attribute vec3 pa; attribute vec3 pb; attribute vec3 pc;
  varying vec2 vUv; varying float vCut;
  vec3 cam(vec3 p) { return (uPose * vec4(p, 1.0)).xyz; }
  vec2 pix(vec3 q) { return vec2(uIntr.x * q.x / q.z + uIntr.z, uIntr.y * q.y / q.z + uIntr.w); }
  float longest(vec2 a, vec2 b, vec2 c) { return max(max(distance(a, b), distance(b, c)), distance(c, a)); }
  void main() {
    vUv = uv;
    vec3 a = cam(pa), b = cam(pb), c = cam(pc);
    float was = longest(pix(pa), pix(pb), pix(pc));
    float now = longest(pix(a), pix(b), pix(c));
    vCut = (min(min(a.z, b.z), c.z) <= uNear || now > uStretch * was) ? 1.0 : 0.0;
    vec3 q = cam(position);
    gl_Position = vec4((2.0 * uIntr.x / uSize.x) * q.x + (2.0 * uIntr.z / uSize.x - 1.0) * q.z,
                       -(2.0 * uIntr.y / uSize.y) * q.y + (1.0 - 2.0 * uIntr.w / uSize.y) * q.z,
                       q.z * (uFar + uNear) / (uFar - uNear) - 2.0 * uFar * uNear / (uFar - uNear), q.z);
  }`;
const meshFragment = `
  uniform sampler2D uPhoto; varying vec2 vUv; varying float vCut;
  void main() { if (vCut > 0.5) discard; gl_FragColor = texture2D(uPhoto, vUv); }`;
// The lifted layer behind the depth edges: drawn where it covers (alpha), hidden by the photo's mesh where that is nearer.
const layerFragment = `
  uniform sampler2D uPhoto; varying vec2 vUv; varying float vCut;
  void main() { vec4 c = texture2D(uPhoto, vUv); if (vCut > 0.5 || c.a < 0.5) discard; gl_FragColor = vec4(c.rgb, 1.0); }`;
// The backstop: the photo's colours stretched over the gaps, or, once the server's view for the current pose has
// arrived, that view (composed at the fill size over the whole frame) at the same screen pixel.
const backstopFragment = `
  uniform sampler2D uPhoto; uniform sampler2D uView; uniform float uHave; uniform vec2 uViewport; varying vec2 vUv; varying float vCut;
  void main() {
    if (vCut > 0.5) discard;
    gl_FragColor = uHave > 0.5 ? texture2D(uView, vec2(gl_FragCoord.x / uViewport.x, 1.0 - gl_FragCoord.y / uViewport.y))
                               : texture2D(uPhoto, clamp(vUv, 0.0, 1.0));
  }`;

// Grid lines across SIZE pixels in N cells, then (with MARGIN) rings of cells doubling in size out to MARGIN x SIZE on each side.
function gridLines(size, n, margin) {
  const lines = [];
  for (let i = 0; i <= n; i++) lines.push(size * i / n);
  const cell = size / n;
  for (let w = cell; margin > 0; w *= 2) {
    const reach = Math.min(margin * size, lines[lines.length - 1] - size + w);
    lines.unshift(-reach); lines.push(size + reach);
    if (reach >= margin * size) break;
  }
  return lines;
}

// The mesh: one vertex per grid corner, unindexed so every triangle knows its three corners (for the tear test).
// With MARGIN, corners past the photo's edges take the depth and colour of the nearest edge pixel (the backstop).
// A cell with a corner of depth 0 (a layer that does not cover it) has no triangles.
function buildMesh(info, depth, margin = 0, cells = MESH_CELLS) {
  const { width: W, height: H, fx, fy, cx, cy } = info;
  const step = Math.max(1, Math.max(W, H) / cells);
  const us = gridLines(W, Math.max(1, Math.round(W / step)), margin), vs = gridLines(H, Math.max(1, Math.round(H / step)), margin);
  const nx = us.length - 1, ny = vs.length - 1;
  const clampTo = (x, n) => Math.min(n - 1, Math.max(0, Math.floor(x)));
  const corner = (i, j) => {
    const u = us[i], v = vs[j];
    const d = depth[clampTo(v, H) * W + clampTo(u, W)];
    return [(u - cx) / fx * d, (v - cy) / fy * d, d, u / W, v / H];
  };
  const corners = [];
  for (let j = 0; j <= ny; j++) for (let i = 0; i <= nx; i++) corners.push(corner(i, j));
  const at = (i, j) => corners[j * (nx + 1) + i];
  const empty = (i, j) => at(i, j)[2] <= 0 || at(i + 1, j)[2] <= 0 || at(i, j + 1)[2] <= 0 || at(i + 1, j + 1)[2] <= 0;
  let cellsUsed = 0;
  for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) if (!empty(i, j)) cellsUsed++;
  const count = cellsUsed * 6;
  const position = new Float32Array(count * 3), uv = new Float32Array(count * 2);
  const pa = new Float32Array(count * 3), pb = new Float32Array(count * 3), pc = new Float32Array(count * 3);
  let k = 0;
  const tri = (a, b, c) => {
    for (const v of [a, b, c]) {
      position.set(v.slice(0, 3), k * 3); uv.set(v.slice(3, 5), k * 2);
      pa.set(a.slice(0, 3), k * 3); pb.set(b.slice(0, 3), k * 3); pc.set(c.slice(0, 3), k * 3);
      k++;
    }
  };
  for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    if (empty(i, j)) continue;
    tri(at(i, j), at(i, j + 1), at(i + 1, j));
    tri(at(i + 1, j), at(i, j + 1), at(i + 1, j + 1));
  }
  const g = new THREE.BufferGeometry();
  g.setAttribute('position', new THREE.BufferAttribute(position, 3));
  g.setAttribute('uv', new THREE.BufferAttribute(uv, 2));
  g.setAttribute('pa', new THREE.BufferAttribute(pa, 3));
  g.setAttribute('pb', new THREE.BufferAttribute(pb, 3));
  g.setAttribute('pc', new THREE.BufferAttribute(pc, 3));
  return { geometry: g, triangles: count / 3 };
}

// A depth map and its colours as the server serves them at PATH/depth (float32) and PATH/image, checked against the photo's size.
async function fetchLayer(info, path, bitmapOptions) {
  const [depthBuffer, bitmap] = await Promise.all([
    fetch(`${path}/depth`).then(r => r.arrayBuffer()),
    fetch(`${path}/image`).then(r => r.blob()).then(b => createImageBitmap(b, bitmapOptions)),
  ]);
  const depth = new Float32Array(depthBuffer);
  if (depth.length !== info.width * info.height) throw new Error(`depth of ${depth.length} values for a ${info.width}x${info.height} photo`);
  return { depth, bitmap };
}

// A mesh of the photo's grid (buildMesh) drawn by meshVertex and FRAGMENT with its texture into TARGET (a scene);
// UNIFORMS give the camera. STRETCH: a triangle stretched more than this is cut (1e30: never).
function addMesh(built, fragmentShader, texture, uniforms, target = scene, stretch = STRETCH_CUT) {
  const m = new THREE.Mesh(built.geometry, new THREE.ShaderMaterial({
    vertexShader: meshVertex, fragmentShader, side: THREE.DoubleSide,
    uniforms: { ...uniforms, uStretch: { value: stretch }, uPhoto: { value: texture } },
  }));
  m.frustumCulled = false;
  target.add(m);
  return m;
}

function removeMesh(m, disposeTexture = true) {
  if (!m) return;
  m.parent?.remove(m); m.geometry.dispose();
  if (disposeTexture) m.material.uniforms.uPhoto.value.dispose();
}

async function loadPhoto(id) {
  const info = await (await fetch(`/photos/${id}`)).json();
  if (info.error) throw new Error(info.error);
  const { depth, bitmap } = await fetchLayer(info, `/photos/${id}`);
  const texture = new THREE.Texture(bitmap);
  texture.flipY = false; texture.generateMipmaps = false; texture.minFilter = THREE.LinearFilter; texture.needsUpdate = true;
  const built = buildMesh(info, depth);
  const sorted = Float32Array.from(depth).sort();
  const near = Math.max(1e-3, sorted[0] * 0.05), far = sorted[sorted.length - 1] * 20;
  removeMesh(mesh);
  const cameraUniforms = {
    uPose: { value: new THREE.Matrix4() }, uIntr: { value: new THREE.Vector4(info.fx, info.fy, info.cx, info.cy) },
    uSize: { value: new THREE.Vector2(info.width, info.height) }, uNear: { value: near }, uFar: { value: far } };
  mesh = addMesh(built, meshFragment, texture, cameraUniforms);
  // The backstop shares the photo's texture (removed without disposing it) and the camera uniforms.
  const oldView = backstop?.material.uniforms.uView.value;
  removeMesh(backstop, false);
  backstop = addMesh(buildMesh(info, depth, BACKSTOP_MARGIN, BACKSTOP_CELLS), backstopFragment, texture, {
    ...cameraUniforms, uView: { value: oldView ?? null }, uHave: { value: 0 }, uViewport: { value: new THREE.Vector2(1, 1) } }, backScene, 1e30);
  removeMesh(layerMesh);
  layerMesh = null;
  downloadsEl.hidden = true;
  viewPose = null; // a view of the previous photo never shows on this one
  photo = info;
  Object.assign(stats, { photo: info.id, width: info.width, height: info.height, triangles: built.triangles + backstop.geometry.attributes.position.count / 3, layers: 'lifting' });
  resetView();
  resize();
  watchLayers(info);
}

// The server lifts each photo once (the layer behind its depth edges); until then the photo's mesh is drawn alone.
async function watchLayers(info) {
  // stats.layers is the server's state, except that 'ready' waits until the layer's mesh is drawn.
  let state = 'lifting';
  for (let tries = 0; tries < 600 && photo === info; tries++) {
    state = (await (await fetch(`/photos/${info.id}/layers`)).json()).state;
    if (state === 'ready' || state === 'none') offerDownloads(info);
    if (state === 'ready') break;
    stats.layers = state;
    if (state !== 'lifting') return;
    await new Promise(r => setTimeout(r, 250));
  }
  if (photo !== info || state !== 'ready') return;
  let layer;
  try { layer = await fetchLayer(info, `/photos/${info.id}/layers/1`, { premultiplyAlpha: 'none' }); }
  catch (e) { stats.layers = 'failed'; showError(`layer: ${e.message || e}`); return; }
  if (photo !== info) return;
  const texture = new THREE.Texture(layer.bitmap);
  texture.flipY = false; texture.generateMipmaps = false; texture.minFilter = THREE.NearestFilter; texture.magFilter = THREE.NearestFilter;
  texture.premultiplyAlpha = false; texture.needsUpdate = true;
  const built = buildMesh(info, layer.depth);
  // The same camera uniforms as the photo's mesh (one pose update moves both).
  const u = mesh.material.uniforms;
  layerMesh = addMesh(built, layerFragment, texture, { uPose: u.uPose, uIntr: u.uIntr, uSize: u.uSize, uNear: u.uNear, uFar: u.uFar });
  stats.triangles += built.triangles;
  stats.layers = 'ready';
  dirty = true;
}

// The lifted scene as `lift` exports it, for other tools (Blender, three.js, splat viewers): links in the bar.
const downloadsEl = document.getElementById('downloads');
function offerDownloads(info) {
  for (const format of ['glb', 'ply']) {
    const a = document.getElementById(format);
    a.href = `/photos/${info.id}/scene.${format}`;
    a.download = `instantviews-${info.id}.${format}`;
  }
  downloadsEl.hidden = false;
}

function resize() {
  if (!photo) return;
  // Fit the window both ways: a small photo is drawn as large as a big one.
  const scale = Math.min(window.innerWidth / photo.width, (window.innerHeight - 40) / photo.height);
  renderer.setSize(Math.round(photo.width * scale), Math.round(photo.height * scale));
  dirty = true;
}

function resetView() { Object.assign(view, { yaw: 0, pitch: 0, dolly: 0 }); moved(); }
function moved(dragging = false) {
  lastMove = performance.now(); needsSend = true; throttled = dragging; dirty = true;
  if (backstop) backstop.material.uniforms.uHave.value = 0;
}

// The socket: send the pose once per frame while it changes; the server answers the newest one only.
function connect() {
  socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/views`);
  socket.binaryType = 'arraybuffer';
  socket.onopen = () => { needsSend = true; };
  socket.onclose = () => { setTimeout(connect, 1000); };
  socket.onmessage = async (event) => {
    if (typeof event.data === 'string') {
      const m = JSON.parse(event.data);
      if (m.type === 'error') showError(m.message);
      return;
    }
    const data = new DataView(event.data);
    const n = data.getInt32(0, true);
    const header = JSON.parse(new TextDecoder().decode(new Uint8Array(event.data, 4, n)));
    if (!photo || header.photo !== photo.id) return;
    const bitmap = await createImageBitmap(new Blob([new Uint8Array(event.data, 4 + n)], { type: 'image/jpeg' }));
    const u = backstop.material.uniforms, old = u.uView.value;
    const texture = new THREE.Texture(bitmap);
    texture.flipY = false; texture.generateMipmaps = false; texture.minFilter = THREE.LinearFilter; texture.needsUpdate = true;
    u.uView.value = texture;
    // The backstop shows a view only where the camera is now: a view made for another pose would not line up.
    viewPose = header.pose;
    u.uHave.value = showViews && atViewPose() ? 1 : 0;
    dirty = true;
    if (old) old.dispose();
    const sent = sentAt.get(header.id);
    for (const id of sentAt.keys()) if (id <= header.id) sentAt.delete(id);
    Object.assign(stats, { views: stats.views + 1, lastServerMs: header.ms, lastViewId: header.id, lastViewPose: header.pose,
                           lastLatencyMs: sent === undefined ? null : Math.round(performance.now() - sent), model: header.model });
  };
}

// Once the photo is lifted, frames are complete without the server: a drag asks for no views (the CPU goes to drawing),
// and the pose the camera stops at is sent at once.
const layersSettled = () => stats.layers !== 'lifting';
function atViewPose() {
  if (!viewPose) return false;
  const p = pose();
  return p.every((v, i) => Math.abs(v - viewPose[i]) < 1e-9);
}

function send() {
  if (!needsSend || !photo || !socket || socket.readyState !== WebSocket.OPEN) return;
  if (pointers.size > 0 && layersSettled()) return;
  const now = performance.now();
  if (throttled && now - lastSent < MOVING_SEND_MS) return;
  lastSent = now;
  const id = nextId++;
  sentAt.set(id, now);
  socket.send(JSON.stringify({ id, photo: photo.id, pose: pose() }));
  needsSend = false;
}

// Input: drag to orbit, wheel to dolly, arrow keys, touch (one finger orbits, two pinch to dolly).
const pointers = new Map();
let pinch = null;
function attachInput(el) {
  el.addEventListener('pointerdown', e => { el.setPointerCapture(e.pointerId); pointers.set(e.pointerId, { x: e.clientX, y: e.clientY }); el.classList.add('dragging'); });
  el.addEventListener('pointermove', e => {
    const p = pointers.get(e.pointerId);
    if (!p) return;
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      const before = Math.hypot(a.x - b.x, a.y - b.y);
      p.x = e.clientX; p.y = e.clientY;
      const after = Math.hypot(a.x - b.x, a.y - b.y);
      if (pinch !== null) view.dolly += (after - before) / el.clientWidth * photo.medianDepth;
      pinch = after;
    } else {
      view.yaw -= (e.clientX - p.x) * 0.15;
      view.pitch += (e.clientY - p.y) * 0.15;
      view.pitch = Math.max(-60, Math.min(60, view.pitch));
      p.x = e.clientX; p.y = e.clientY;
    }
    moved(true);
  });
  const up = e => {
    pointers.delete(e.pointerId); pinch = null;
    if (pointers.size === 0) { el.classList.remove('dragging'); if (needsSend) throttled = false; }
  };
  el.addEventListener('pointerup', up);
  el.addEventListener('pointercancel', up);
  el.addEventListener('wheel', e => { e.preventDefault(); if (!photo) return; view.dolly -= Math.sign(e.deltaY) * 0.05 * photo.medianDepth; moved(); }, { passive: false });
}
window.addEventListener('keydown', e => {
  const k = { ArrowLeft: [2, 0], ArrowRight: [-2, 0], ArrowUp: [0, 2], ArrowDown: [0, -2] }[e.key];
  if (!k || !photo) return;
  view.yaw += k[0]; view.pitch = Math.max(-60, Math.min(60, view.pitch + k[1]));
  moved();
  e.preventDefault();
});
document.getElementById('reset').addEventListener('click', resetView);
window.addEventListener('resize', resize);

// Drop a new image onto the page to view it instead.
document.body.addEventListener('dragover', e => { e.preventDefault(); document.body.classList.add('over'); });
document.body.addEventListener('dragleave', () => document.body.classList.remove('over'));
document.body.addEventListener('drop', async e => {
  e.preventDefault();
  document.body.classList.remove('over');
  const file = e.dataTransfer.files[0];
  if (file) await upload(file);
});
async function upload(file) {
  if (file.size > MAX_UPLOAD) { showError(`${file.name}: ${(file.size / 1048576).toFixed(1)} MB is larger than the limit of 25 MB`); return; }
  showError(null);
  statusEl.textContent = `opening ${file.name}…`;
  const response = await fetch('/photos', { method: 'POST', body: file, headers: { 'X-File-Name': encodeURIComponent(file.name), 'X-InstantViews-Upload': '1' } });
  const answer = await response.json().catch(() => ({ error: `upload failed (HTTP ${response.status})` }));
  if (answer.error) { showError(answer.error); return; }
  await loadPhoto(answer.id);
}

// Every animation frame while anything changes (the camera, a new view, the window): pose to the shader, adaptive
// resolution, draw, count. A resting, unchanged picture is not redrawn: software WebGL would spend the CPU the
// server needs for the next view.
let fpsFrames = 0, fpsSince = performance.now(), wasMoving = false;
function frame(now) {
  requestAnimationFrame(frame);
  if (!photo) return;
  const moving = now - lastMove < REST_MS || pointers.size > 0;
  if (moving !== wasMoving) { dirty = true; wasMoving = moving; }
  send();
  if (dirty || moving) {
    const ratio = moving ? DRAG_PIXEL_RATIO : 1;
    if (renderer.getPixelRatio() !== ratio) renderer.setPixelRatio(ratio);
    mesh.material.uniforms.uPose.value.set(...pose());
    renderer.getDrawingBufferSize(backstop.material.uniforms.uViewport.value);
    renderer.clear();
    renderer.render(backScene, camera);
    renderer.clearDepth();
    renderer.render(scene, camera);
    dirty = false;
    stats.frames++; fpsFrames++;
  }
  if (now - fpsSince >= 500) {
    stats.fps = Math.round(fpsFrames * 1000 / (now - fpsSince) * 10) / 10;
    fpsFrames = 0; fpsSince = now;
    statusEl.textContent = `${stats.fps > 0 ? `${stats.fps} fps` : 'at rest'} · ${photo.width}x${photo.height}, ${stats.triangles} triangles · ` +
      (stats.lastLatencyMs === null ? 'waiting for the first view' : `view ${stats.lastLatencyMs} ms (server ${stats.lastServerMs} ms)`) +
      ` · ${stats.model}` + (stats.layers === 'lifting' ? ' · lifting the photo into layers…' : stats.layers === 'ready' ? ' · 2 layers' : '');
  }
  stats.ready = true;
}

window.viewer = { stats, view, upload, resetView, pose: () => pose(), setView: v => { Object.assign(view, v); moved(); },
  // For tests and comparisons: draw without the server's views, without the lifted layer or the backstop, or with
  // the clear colour magenta (HOLE_COLOR) so that what no mesh covers can be counted.
  show: ({ serverViews = true, layer = true, backstop: back = true, holes = false } = {}) => {
    showViews = serverViews;
    if (backstop) { backstop.visible = back; backstop.material.uniforms.uHave.value = serverViews && atViewPose() ? 1 : 0; }
    if (layerMesh) layerMesh.visible = layer;
    renderer.setClearColor(holes ? HOLE_COLOR : 0x202020);
    dirty = true;
  } };
(async () => {
  try {
    const info = await (await fetch('/photos')).json();
    stats.model = info.model;
    await loadPhoto(info.current);
    attachInput(renderer.domElement);
    connect();
    requestAnimationFrame(frame);
  } catch (e) { showError(String(e.message || e)); }
})();
