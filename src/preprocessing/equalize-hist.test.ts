import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { equalizeHist } from './equalize-hist.js';
import { bytes, fixtureImages, readFixture } from './golden.test-helper.js';

interface EqualizeFixture {
  grey: Record<string, string>;
  luminance: Record<string, string>;
  perChannel: Record<string, string>;
}

const fixture = readFixture<EqualizeFixture>('equalize.json');

test('equalizeHist equals cv2.equalizeHist byte for byte on every grey fixture', () => {
  const images = fixtureImages();
  const names = Object.keys(fixture.grey);
  assert.ok(names.length >= 10);
  for (const name of names) {
    const out = equalizeHist(images[name]);
    assert.deepEqual(out.data, bytes(fixture.grey[name]), name);
    assert.equal(out.height, images[name].height);
    assert.equal(out.width, images[name].width);
  }
});

test('a one-level image is returned unchanged, as OpenCV does', () => {
  const data = new Uint8Array(12).fill(77);
  const out = equalizeHist({ data, height: 3, width: 4, channels: 1 });
  assert.deepEqual(out.data, data);
  assert.notEqual(out.data, data, 'a new buffer, not the input');
});

test('a two-level image maps its lower level to 0 and its upper to 255', () => {
  const data = Uint8Array.from([40, 200, 200, 40, 200, 200]);
  const out = equalizeHist({ data, height: 2, width: 3, channels: 1 });
  assert.deepEqual([...out.data], [0, 255, 255, 0, 255, 255]);
});

test('RGB on luminance matches the cv2 YCrCb recipe; per channel matches cv2 per plane', () => {
  const images = fixtureImages();
  for (const name of Object.keys(fixture.luminance)) {
    assert.deepEqual(equalizeHist(images[name]).data, bytes(fixture.luminance[name]), name);
    assert.deepEqual(
      equalizeHist(images[name], { color: 'per-channel' }).data,
      bytes(fixture.perChannel[name]),
      name,
    );
  }
});

test('an alpha channel passes through untouched', () => {
  const rgba = new Uint8Array(4 * 4 * 4);
  for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 37) % 256;
  const out = equalizeHist({ data: rgba, height: 4, width: 4, channels: 4 });
  for (let i = 3; i < rgba.length; i += 4) assert.equal(out.data[i], rgba[i]);
});

test('bad input: float images, wrong buffer size, unknown colour mode', () => {
  assert.throws(
    () => equalizeHist({ data: new Float32Array(4), height: 2, width: 2, channels: 1 }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /equalizeHist: image.data: expected an 8-bit image.*got "Float32Array"/.test(e.message),
  );
  assert.throws(
    () => equalizeHist({ data: new Uint8Array(5), height: 2, width: 2, channels: 1 }),
    /image.data.length: expected height \* width \* channels = 4, got 5/,
  );
  assert.throws(
    () =>
      equalizeHist(
        { data: new Uint8Array(12), height: 2, width: 2, channels: 3 },
        // biome-ignore lint/suspicious/noExplicitAny: an invalid mode on purpose
        { color: 'hsv' as any },
      ),
    /equalizeHist: color: expected one of luminance, per-channel, got "hsv"/,
  );
});
