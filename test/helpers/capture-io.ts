/** A CommandIo whose stdout and stderr collect into strings, for running `main([...])` in tests. */
import { Writable } from 'node:stream';

export function captureIo() {
  const out = { stdout: '', stderr: '' };
  const sink = (key: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk, _enc, done) {
        out[key] += String(chunk);
        done();
      },
    });
  return { out, io: { stdout: sink('stdout'), stderr: sink('stderr') } };
}
