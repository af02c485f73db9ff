/**
 * Opening the camera into a <video> element, with one typed error for each
 * way it can fail (refused, absent, busy, no camera API), each with a message
 * a person can act on. The page shows `error.message`.
 */
import { CameraError } from '../errors.js';

export interface OpenCameraOptions {
  /** The width asked of the camera (an ideal, not a requirement): the model's decode width spares a resize. Default 640. */
  idealWidthPx?: number;
  /** The frame rate asked of the camera (an ideal). Default 30. */
  idealFps?: number;
}

/** Maps a getUserMedia failure to a CameraError; exported for tests of the mapping. */
export function cameraErrorFrom(err: unknown): CameraError {
  const name = (err as { name?: string } | null)?.name ?? '';
  const detail = (err as { message?: string } | null)?.message ?? String(err);
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return new CameraError('denied', 'Camera access was refused. Allow the camera for this page (the camera icon in the address bar) and reload; no frame leaves this machine.', { cause: err });
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return new CameraError('absent', 'No camera was found. Connect a camera and reload the page.', { cause: err });
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return new CameraError('in-use', `The camera could not be started; another application may be using it (${detail}).`, { cause: err });
    default:
      return new CameraError('unsupported', `The camera could not be opened: ${name || 'error'}: ${detail}`, { cause: err });
  }
}

/** Asks for the camera and plays it in `video`; returns the stream (stop its tracks to release the camera). */
export async function openCamera(video: HTMLVideoElement, options: OpenCameraOptions = {}): Promise<MediaStream> {
  const media = globalThis.navigator?.mediaDevices;
  if (!media?.getUserMedia) {
    throw new CameraError('unsupported', 'This browser offers no camera API here. Open the page over https or from localhost (browsers allow cameras only on secure pages).');
  }
  let stream: MediaStream;
  try {
    stream = await media.getUserMedia({
      audio: false,
      video: { width: { ideal: options.idealWidthPx ?? 640 }, frameRate: { ideal: options.idealFps ?? 30 }, facingMode: 'user' },
    });
  } catch (err) {
    throw cameraErrorFrom(err);
  }
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  try {
    await video.play();
  } catch (err) {
    for (const t of stream.getTracks()) t.stop();
    throw new CameraError('in-use', `The camera's video could not be played: ${(err as Error).message}`, { cause: err });
  }
  return stream;
}
