/** scripts/build-dlib.mjs where dlib is absent: one line and success, or failure when asked to be strict. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const script = new URL('../../scripts/build-dlib.mjs', import.meta.url).pathname;

describe('build-dlib.mjs without dlib', () => {
  const env = { ...process.env, VIDPAD_DLIB_INCLUDE: '/nonexistent/dlib', VIDPAD_REQUIRE_DLIB: '' };

  it('prints one line naming the package and exits 0, so npm install goes on', () => {
    const r = spawnSync(process.execPath, [script], { env, encoding: 'utf8' });
    assert.equal(r.status, 0);
    assert.equal(r.stdout.trim().split('\n').length, 1);
    assert.match(r.stdout, /dlib headers not found at \/nonexistent\/dlib; skipping the optional dlib-hog face detector \(Debian\/Ubuntu: apt install libdlib-dev\)/);
  });

  it('fails with --strict (npm run build:dlib) or VIDPAD_REQUIRE_DLIB=1 (CI)', () => {
    assert.equal(spawnSync(process.execPath, [script, '--strict'], { env, encoding: 'utf8' }).status, 1);
    assert.equal(spawnSync(process.execPath, [script], { env: { ...env, VIDPAD_REQUIRE_DLIB: '1' }, encoding: 'utf8' }).status, 1);
  });
});
