import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FrameDecoder, FrameKind, OVERSIZED_FRAME, type OversizedFrame } from '../../src/protocol/frame-decoder.js';
import { seededRandom } from './seeded-random.js';

type Decoded = string | OversizedFrame;

function show(frames: Array<Buffer | OversizedFrame>): Decoded[] {
  return frames.map((frame) => (frame === OVERSIZED_FRAME ? frame : frame.toString('latin1')));
}

/** Feeds `stream` in the given chunk sizes, checking the held bytes never pass `limit`. */
function feed(decoder: FrameDecoder, stream: Buffer, sizes: Iterable<number>, limit = Infinity): Decoded[] {
  const out: Decoded[] = [];
  let offset = 0;
  for (const size of sizes) {
    if (offset >= stream.length) break;
    out.push(...show(decoder.push(stream.subarray(offset, offset + size))));
    offset += size;
    assert.ok(decoder.bufferedBytes <= limit, `holds ${decoder.bufferedBytes} bytes, limit ${limit}`);
  }
  if (offset < stream.length) out.push(...show(decoder.push(stream.subarray(offset))));
  return out;
}

function* ones(): Iterable<number> {
  for (;;) yield 1;
}

function* randomSizes(random: () => number, max: number): Iterable<number> {
  for (;;) yield 1 + Math.floor(random() * max);
}

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

/** Random frame text over every byte but EOT, lengths spread around `limit`. */
function randomFrames(random: () => number, count: number, maxLength: number): string[] {
  const frames: string[] = [];
  for (let i = 0; i < count; i++) {
    const length = random() < 0.1 ? 0 : Math.floor(random() * maxLength);
    let text = '';
    for (let j = 0; j < length; j++) {
      let byte = Math.floor(random() * 255);
      if (byte >= 0x04) byte++;
      text += String.fromCharCode(byte);
    }
    frames.push(text);
  }
  return frames;
}

/** What a correct decoder must return for these frames under `limit`. */
function expected(frames: string[], limit: number): Decoded[] {
  return frames.map((frame) => (frame.length > limit ? OVERSIZED_FRAME : frame));
}

describe('FrameDecoder', () => {
  test('when a chunk holds whole frames, then each comes back without its EOT, in order', () => {
    const decoder = new FrameDecoder();
    assert.deepEqual(show(decoder.push(bytes('login bob\x04get contacts\x04'))), ['login bob', 'get contacts']);
    assert.equal(decoder.bufferedBytes, 0);
  });

  test('when EOT follows EOT, then empty frames come back', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 16 });
    assert.deepEqual(show(decoder.push(bytes('\x04\x04a\x04\x04'))), ['', '', 'a', '']);
  });

  test('when a chunk ends mid-frame, then the partial frame is held until its EOT', () => {
    const decoder = new FrameDecoder();
    assert.deepEqual(show(decoder.push(bytes('send bob he'))), []);
    assert.equal(decoder.bufferedBytes, 11);
    assert.deepEqual(show(decoder.push(bytes('llo'))), []);
    assert.deepEqual(show(decoder.push(bytes('\x04quit'))), ['send bob hello']);
    assert.equal(decoder.bufferedBytes, 4);
  });

  test('when the stream is fed one byte at a time, then every frame comes back intact', () => {
    const frames = ['login alice', '', 'send bob  two  spaces ', 'x\ty\nz\r', '\x00\xff\x80', 'get contacts'];
    const stream = bytes(frames.map((f) => `${f}\x04`).join(''));
    assert.deepEqual(feed(new FrameDecoder(), stream, ones()), frames);
  });

  test('when random streams are split at random points, then the frames match a one-shot decode (seeded)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = seededRandom(seed);
      const limit = 1 + Math.floor(random() * 64);
      const frames = randomFrames(random, 1 + Math.floor(random() * 30), limit * 2);
      const stream = bytes(frames.map((f) => `${f}\x04`).join(''));
      const sizes = randomSizes(random, 1 + Math.floor(random() * 100));
      const got = feed(new FrameDecoder({ maxFrameBytes: limit }), stream, sizes, limit);
      assert.deepEqual(got, expected(frames, limit), `seed ${seed}, limit ${limit}`);
    }
  });

  test('when a frame is exactly at the limit, then it is kept; one byte over, then it is oversized', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 8 });
    assert.deepEqual(show(decoder.push(bytes('12345678\x04123456789\x04ok\x04'))), ['12345678', OVERSIZED_FRAME, 'ok']);
  });

  test('when a frame at the limit arrives byte by byte, then it is kept whole', () => {
    const stream = bytes('12345678\x04');
    assert.deepEqual(feed(new FrameDecoder({ maxFrameBytes: 8 }), stream, ones(), 8), ['12345678']);
  });

  test('when a frame passes the limit before its EOT, then it is reported at once, its bytes dropped and not held', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 8 });
    assert.deepEqual(show(decoder.push(bytes('123456'))), []);
    assert.equal(decoder.bufferedBytes, 6);
    assert.deepEqual(show(decoder.push(bytes('789'))), [OVERSIZED_FRAME]);
    assert.equal(decoder.bufferedBytes, 0);
    // The rest of the oversized frame is dropped without another report, up to its EOT.
    assert.deepEqual(show(decoder.push(bytes('x'.repeat(10_000)))), []);
    assert.equal(decoder.bufferedBytes, 0);
    assert.deepEqual(show(decoder.push(bytes('yy\x04after\x04'))), ['after']);
  });

  test('when an oversized frame is followed by more frames in one chunk, then the decoder resyncs at the next EOT', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 4 });
    assert.deepEqual(show(decoder.push(bytes('toolong\x04ok\x04\x04abcd\x04abcde\x04z'))), [
      OVERSIZED_FRAME,
      'ok',
      '',
      'abcd',
      OVERSIZED_FRAME,
    ]);
    assert.deepEqual(show(decoder.push(bytes('\x04'))), ['z']);
  });

  test('when oversized frames arrive one byte at a time, then each is reported once and the held bytes stay within the limit', () => {
    const frames = ['a'.repeat(100), 'fits', 'b'.repeat(6), '', 'c'.repeat(5)];
    const stream = bytes(frames.map((f) => `${f}\x04`).join(''));
    assert.deepEqual(feed(new FrameDecoder({ maxFrameBytes: 5 }), stream, ones(), 5), [
      OVERSIZED_FRAME,
      'fits',
      OVERSIZED_FRAME,
      '',
      'ccccc',
    ]);
  });

  test('when a frame was assembled from several chunks, then later pushes do not change it', () => {
    const decoder = new FrameDecoder();
    decoder.push(bytes('first '));
    const [first] = decoder.push(bytes('frame\x04sec'));
    const [second] = decoder.push(bytes('ond\x04'));
    decoder.push(bytes('third frame overwriting memory\x04'));
    assert.deepEqual(show([first!, second!]), ['first frame', 'second']);
  });

  test('when no limit is given, then long frames pass whole', () => {
    const decoder = new FrameDecoder();
    const long = 'z'.repeat(200_000);
    assert.deepEqual(feed(decoder, bytes(`${long}\x04`), randomSizes(seededRandom(7), 5000)), [long]);
  });

  test('when given a plain Uint8Array, then it decodes like a Buffer', () => {
    const decoder = new FrameDecoder();
    assert.deepEqual(show(decoder.push(new Uint8Array([0x61, 0x04, 0x62]))), ['a']);
    assert.deepEqual(show(decoder.push(new Uint8Array([0x04]))), ['b']);
  });
});

/** Walks what was fed with next(), as text; stops after `max` frames, as a paused server would. */
function walk(decoder: FrameDecoder, max = Infinity): Decoded[] {
  const out: Decoded[] = [];
  while (out.length < max) {
    const kind = decoder.next();
    if (kind === FrameKind.None) break;
    out.push(kind === FrameKind.Oversized ? OVERSIZED_FRAME : decoder.frameBytes.toString('latin1', decoder.frameStart, decoder.frameEnd));
  }
  return out;
}

describe('FrameDecoder feed() and next()', () => {
  test('when a chunk holds whole frames, then next() locates each in the chunk itself, without a copy', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 64 });
    const chunk = bytes('login bob\x04get contacts\x04');
    decoder.feed(chunk);
    assert.equal(decoder.next(), FrameKind.Frame);
    assert.equal(decoder.frameBytes, chunk);
    assert.deepEqual([decoder.frameStart, decoder.frameEnd], [0, 9]);
    assert.equal(decoder.next(), FrameKind.Frame);
    assert.deepEqual([decoder.frameStart, decoder.frameEnd], [10, 22]);
    assert.equal(decoder.next(), FrameKind.None);
    assert.equal(decoder.next(), FrameKind.None, 'None again until the next feed');
    assert.ok(decoder.isEmpty);
  });

  test('when a frame straddles chunks, then it comes back whole and the decoder is not empty in between', () => {
    const decoder = new FrameDecoder();
    decoder.feed(bytes('send bob he'));
    assert.equal(decoder.next(), FrameKind.None);
    assert.equal(decoder.isEmpty, false);
    decoder.feed(bytes('llo\x04'));
    assert.deepEqual(walk(decoder), ['send bob hello']);
    assert.ok(decoder.isEmpty);
  });

  test('when walking stops between frames and more is fed, then every frame still comes back once, in order', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 8 });
    decoder.feed(bytes('a\x04b\x04toolong!!\x04c\x04par'));
    assert.deepEqual(walk(decoder, 1), ['a']);
    assert.equal(decoder.isEmpty, false, 'frames left to walk');
    decoder.feed(bytes('tial\x04d\x04'));
    assert.deepEqual(walk(decoder), ['b', OVERSIZED_FRAME, 'c', 'partial', 'd']);
    assert.ok(decoder.isEmpty);
  });

  test('when an oversized frame is being skipped, then the decoder is not empty until its EOT', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 4 });
    decoder.feed(bytes('123456'));
    assert.deepEqual(walk(decoder), [OVERSIZED_FRAME]);
    assert.equal(decoder.isEmpty, false);
    decoder.feed(bytes('789\x04ok\x04'));
    assert.deepEqual(walk(decoder), ['ok']);
    assert.ok(decoder.isEmpty);
  });

  test('when random streams are fed at random split points and walked with random pauses, then the frames match push() (seeded)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = seededRandom(seed);
      const limit = 1 + Math.floor(random() * 64);
      const frames = randomFrames(random, 1 + Math.floor(random() * 30), limit * 2);
      const stream = bytes(frames.map((f) => `${f}\x04`).join(''));
      const decoder = new FrameDecoder({ maxFrameBytes: limit });
      const got: Decoded[] = [];
      for (let offset = 0; offset < stream.length; ) {
        const size = 1 + Math.floor(random() * 100);
        decoder.feed(stream.subarray(offset, offset + size));
        offset += size;
        got.push(...walk(decoder, random() < 0.3 ? Math.floor(random() * 3) : Infinity));
        assert.ok(decoder.bufferedBytes <= limit, `seed ${seed}: holds ${decoder.bufferedBytes} bytes, limit ${limit}`);
      }
      got.push(...walk(decoder));
      assert.deepEqual(got, expected(frames, limit), `seed ${seed}, limit ${limit}`);
      assert.ok(decoder.isEmpty, `seed ${seed}: every frame ended with an EOT, so nothing is held`);
    }
  });

  test('when a frame was assembled from several chunks, then its buffer is the caller\'s to keep', () => {
    const decoder = new FrameDecoder();
    decoder.feed(bytes('first '));
    walk(decoder);
    decoder.feed(bytes('frame\x04'));
    assert.equal(decoder.next(), FrameKind.Frame);
    const kept = decoder.frameBytes.subarray(decoder.frameStart, decoder.frameEnd);
    decoder.feed(bytes('another long frame that would overwrite a reused buffer\x04'));
    walk(decoder);
    assert.equal(kept.toString('latin1'), 'first frame');
  });
});
