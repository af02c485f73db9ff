/**
 * The demo page: the camera, the face box, the decision and a short history
 * of clip scores, built only on the browser entry (`src/browser`), as a web
 * app would embed it. The model folder comes from `?model=URL` (default
 * `model/`, where `vidpad web` serves it). `?keepFrames=1` keeps the first
 * clips' frames on `window.vidpadPage` for the parity test; `?worker=0`,
 * `?onnx=`, `?tf=` and `?camera=0` choose what npm run bench:web compares.
 */
import { CameraError, createLivenessSession, openCamera } from '../src/browser/index.js';
import type { BoxPx, ClipEvent, DecisionEvent, FaceEvent, LivenessSession, ScoreEvent, StatsEvent } from '../src/browser/index.js';

interface PageState {
  session: LivenessSession | null;
  decisions: DecisionEvent[];
  scores: number[];
  faces: number;
  clips: ClipEvent[];
  /** With keepFrames: every face and score event, for the parity test. */
  faceEvents: FaceEvent[];
  scoreEvents: ScoreEvent[];
  stats: StatsEvent | null;
  errors: string[];
}

const state: PageState = { session: null, decisions: [], scores: [], faces: 0, clips: [], faceEvents: [], scoreEvents: [], stats: null, errors: [] };
(globalThis as unknown as { vidpadPage: PageState }).vidpadPage = state;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const video = $<HTMLVideoElement>('video');
const overlay = $<HTMLCanvasElement>('overlay');
const stage = $<HTMLElement>('stage');
const badge = $<HTMLElement>('decision');
const message = $<HTMLElement>('message');
const history = $<HTMLCanvasElement>('history');

const params = new URLSearchParams(location.search);
const modelUrl = new URL(params.get('model') ?? 'model/', location.href).href;
const keepFrames = params.get('keepFrames') === '1';
// ?precision=int8 runs model.int8.onnx (vidpad web --precision int8 serves it and prints this URL).
const precision = params.get('precision') === 'int8' ? 'int8' : 'fp32';
const onnxProviders = (params.get('onnx') ?? 'wasm').split(',') as ('wasm' | 'webgpu')[];
const tfBackends = (params.get('tf') ?? 'wasm,webgl,cpu').split(',') as ('wasm' | 'webgl' | 'cpu')[];
// ?worker=0 runs the networks on the page's thread (for comparison in bench:web).
const useWorker = params.get('worker') !== '0';
const onnxThreads = params.get('onnxThreads') === null ? null : Number(params.get('onnxThreads'));
// ?camera=0 opens no camera: frames come through session.pushFrame (npm run bench:web measures the loop's capacity so).
const useCamera = params.get('camera') !== '0';

function showMessage(text: string, kind: string): void {
  message.textContent = text;
  message.hidden = false;
  message.dataset.kind = kind;
  document.body.dataset.state = kind;
  state.errors.push(text);
}

function setText(id: string, text: string): void {
  $(id).textContent = text;
}

function drawBox(box: BoxPx | null, frameWidth: number, frameHeight: number, decision: string): void {
  const rect = overlay.getBoundingClientRect();
  overlay.width = Math.round(rect.width);
  overlay.height = Math.round(rect.height);
  const ctx = overlay.getContext('2d')!;
  ctx.clearRect(0, 0, overlay.width, overlay.height);
  stage.dataset.face = box ? 'yes' : 'no';
  if (!box) return;
  // The video is drawn with object-fit: contain; map frame pixels into that rectangle.
  const scale = Math.min(overlay.width / frameWidth, overlay.height / frameHeight);
  const ox = (overlay.width - frameWidth * scale) / 2;
  const oy = (overlay.height - frameHeight * scale) / 2;
  ctx.lineWidth = 3;
  ctx.strokeStyle = decision === 'live' ? '#2ecc71' : decision === 'attack' ? '#e74c3c' : '#f1c40f';
  ctx.strokeRect(ox + box.left * scale, oy + box.top * scale, (box.right - box.left) * scale, (box.bottom - box.top) * scale);
}

function drawHistory(threshold: number): void {
  const ctx = history.getContext('2d')!;
  const w = history.width;
  const h = history.height;
  ctx.clearRect(0, 0, w, h);
  const y = (s: number) => h - 6 - ((s + 1) / 2) * (h - 12);
  ctx.strokeStyle = '#9aa3b0';
  ctx.setLineDash([4, 4]);
  ctx.beginPath();
  ctx.moveTo(0, y(threshold));
  ctx.lineTo(w, y(threshold));
  ctx.stroke();
  ctx.setLineDash([]);
  const n = 60;
  const recent = state.scores.slice(-n);
  ctx.strokeStyle = '#2f6fdf';
  ctx.lineWidth = 2;
  ctx.beginPath();
  recent.forEach((s, i) => {
    const x = (i / (n - 1)) * (w - 8) + 4;
    if (i === 0) ctx.moveTo(x, y(s));
    else ctx.lineTo(x, y(s));
  });
  ctx.stroke();
  ctx.fillStyle = '#5b6575';
  ctx.font = '11px system-ui';
  ctx.fillText(`threshold ${threshold.toFixed(3)}`, 6, Math.max(12, y(threshold) - 4));
}

async function main(): Promise<void> {
  let session: LivenessSession;
  try {
    const worker = useWorker ? new Worker(new URL('../src/browser/pipeline-worker.ts', import.meta.url), { type: 'module' }) : null;
    session = await createLivenessSession({ model: modelUrl, video, worker, keepFrames, onnxProviders, tfBackends, onnxThreads, precision });
  } catch (err) {
    showMessage(`The model could not be loaded: ${(err as Error).message}`, 'model-error');
    return;
  }
  state.session = session;
  const m = session.model;
  const rows: [string, string][] = [
    ['folder', m.url],
    ['network', `AlexNet-(2+1)D, T = ${m.frames}, ${m.inputSize}² crops, loss ${m.loss}`],
    ['threshold', `${session.threshold.toFixed(4)} (${m.threshold.rule} on ${m.threshold.chosenOn})`],
    ['boxes', `${m.contract.boxes.policy}${m.contract.boxes.detector !== 'none' ? ` (${m.contract.boxes.detector})` : ''}`],
    ['runs on', `ONNX ${session.backends.onnx}, BlazeFace tfjs-${session.backends.tf}, in ${session.runsIn === 'worker' ? 'a worker' : 'the page'}`],
  ];
  const dl = $('model');
  for (const [k, v] of rows) {
    dl.append(Object.assign(document.createElement('dt'), { textContent: k }), Object.assign(document.createElement('dd'), { textContent: v }));
  }
  for (const w of session.warnings) $('warnings').append(Object.assign(document.createElement('li'), { textContent: w }));
  setText('threshold', session.threshold.toFixed(4));
  drawHistory(session.threshold);

  let decision = 'none';
  let lastFace: { box: BoxPx | null; w: number; h: number } = { box: null, w: 1, h: 1 };
  session.on('face', (e) => {
    if (e.box) state.faces += 1;
    if (keepFrames && state.faceEvents.length < 1000) state.faceEvents.push(e);
    lastFace = { box: e.box, w: e.frameWidth, h: e.frameHeight };
    drawBox(e.box, e.frameWidth, e.frameHeight, decision);
  });
  session.on('clip', (e) => {
    if (keepFrames && state.clips.length < 4) state.clips.push(e);
  });
  session.on('score', (e) => {
    state.scores.push(e.score);
    if (keepFrames && state.scoreEvents.length < 1000) state.scoreEvents.push(e);
    if (state.scores.length > 600) state.scores.shift();
    drawHistory(session.threshold);
  });
  session.on('decision', (e) => {
    state.decisions.push(e);
    decision = e.decision;
    badge.dataset.decision = e.decision;
    badge.textContent = e.decision === 'no-face' ? 'no face' : e.decision;
    document.body.dataset.decision = e.decision;
    setText('score', e.score === null ? '–' : `${e.score.toFixed(4)} (mean of ${e.clips} clip${e.clips === 1 ? '' : 's'})`);
    drawBox(lastFace.box, lastFace.w, lastFace.h, decision);
  });
  session.on('stats', (e) => {
    state.stats = e;
    setText('speed', `${e.fps.toFixed(1)} fps, model ${e.modelMs.toFixed(1)} ms, face ${e.detectMs.toFixed(1)} ms`);
  });
  session.on('warning', (e) => $('warnings').append(Object.assign(document.createElement('li'), { textContent: e.message })));
  session.on('error', (e) => showMessage(e.error.message, e.fatal ? 'fatal' : 'error'));

  if (!useCamera) {
    document.body.dataset.state = 'ready';
    return;
  }
  try {
    await openCamera(video, { idealWidthPx: m.contract.decodeWidthPx });
  } catch (err) {
    badge.textContent = 'no camera';
    showMessage(err instanceof CameraError ? err.message : `The camera could not be opened: ${(err as Error).message}`, err instanceof CameraError ? `camera-${err.reason}` : 'camera-error');
    return;
  }
  document.body.dataset.state = 'running';
  badge.textContent = 'looking…';
  session.start();
}

void main();
