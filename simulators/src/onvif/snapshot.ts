import jpeg from 'jpeg-js';

/** A real JPEG test pattern for GetSnapshotUri: colour bars, the camera id and the camera's clock. */

const WIDTH = 320;
const HEIGHT = 240;

// 5×7 bitmap glyphs, one 5-bit row per entry (most significant bit on the left).
const GLYPHS: Record<string, readonly number[]> = {
  '0': [14, 17, 19, 21, 25, 17, 14],
  '1': [4, 12, 4, 4, 4, 4, 14],
  '2': [14, 17, 1, 2, 4, 8, 31],
  '3': [31, 2, 4, 2, 1, 17, 14],
  '4': [2, 6, 10, 18, 31, 2, 2],
  '5': [31, 16, 30, 1, 1, 17, 14],
  '6': [6, 8, 16, 30, 17, 17, 14],
  '7': [31, 1, 2, 4, 8, 8, 8],
  '8': [14, 17, 17, 14, 17, 17, 14],
  '9': [14, 17, 17, 15, 1, 2, 12],
  A: [14, 17, 17, 31, 17, 17, 17],
  B: [30, 17, 17, 30, 17, 17, 30],
  C: [14, 17, 16, 16, 16, 17, 14],
  D: [28, 18, 17, 17, 17, 18, 28],
  E: [31, 16, 16, 30, 16, 16, 31],
  F: [31, 16, 16, 30, 16, 16, 16],
  G: [14, 17, 16, 23, 17, 17, 15],
  H: [17, 17, 17, 31, 17, 17, 17],
  I: [14, 4, 4, 4, 4, 4, 14],
  J: [7, 2, 2, 2, 2, 18, 12],
  K: [17, 18, 20, 24, 20, 18, 17],
  L: [16, 16, 16, 16, 16, 16, 31],
  M: [17, 27, 21, 21, 17, 17, 17],
  N: [17, 17, 25, 21, 19, 17, 17],
  O: [14, 17, 17, 17, 17, 17, 14],
  P: [30, 17, 17, 30, 16, 16, 16],
  Q: [14, 17, 17, 17, 21, 18, 13],
  R: [30, 17, 17, 30, 20, 18, 17],
  S: [15, 16, 16, 14, 1, 1, 30],
  T: [31, 4, 4, 4, 4, 4, 4],
  U: [17, 17, 17, 17, 17, 17, 14],
  V: [17, 17, 17, 17, 17, 10, 4],
  W: [17, 17, 17, 21, 21, 21, 10],
  X: [17, 17, 10, 4, 10, 17, 17],
  Y: [17, 17, 17, 10, 4, 4, 4],
  Z: [31, 1, 2, 4, 8, 16, 31],
  '-': [0, 0, 0, 31, 0, 0, 0],
  ':': [0, 12, 12, 0, 12, 12, 0],
  '.': [0, 0, 0, 0, 0, 12, 12],
  '/': [0, 1, 2, 4, 8, 16, 0],
  ' ': [0, 0, 0, 0, 0, 0, 0],
  '?': [14, 17, 1, 2, 4, 0, 4],
};

const BARS: ReadonlyArray<readonly [number, number, number]> = [
  [192, 192, 192],
  [192, 192, 0],
  [0, 192, 192],
  [0, 192, 0],
  [192, 0, 192],
  [192, 0, 0],
  [0, 0, 192],
  [16, 16, 16],
];

function drawText(pixels: Buffer, text: string, x0: number, y0: number, scale: number): void {
  let x = x0;
  for (const char of text.toUpperCase()) {
    const glyph = GLYPHS[char] ?? GLYPHS['?'] ?? [];
    glyph.forEach((row, dy) => {
      for (let dx = 0; dx < 5; dx += 1) {
        if (!(row & (1 << (4 - dx)))) continue;
        for (let sy = 0; sy < scale; sy += 1) {
          for (let sx = 0; sx < scale; sx += 1) {
            const px = x + dx * scale + sx;
            const py = y0 + dy * scale + sy;
            if (px >= WIDTH || py >= HEIGHT) continue;
            pixels.fill(255, (py * WIDTH + px) * 4, (py * WIDTH + px) * 4 + 3);
          }
        }
      }
    });
    x += 6 * scale;
  }
}

export const SNAPSHOT_SIZE = { width: WIDTH, height: HEIGHT } as const;
/** Where the caption starts, so tests can look for its white pixels. */
export const CAPTION_AREA = { top: 168, bottom: 232 } as const;

/** Encodes the test pattern for camera `id` at camera time `cameraMs`. */
export function snapshotJpeg(id: string, profileToken: string, cameraMs: number): Buffer {
  const pixels = Buffer.alloc(WIDTH * HEIGHT * 4, 255);
  const barWidth = WIDTH / BARS.length;
  for (let y = 0; y < HEIGHT; y += 1) {
    for (let x = 0; x < WIDTH; x += 1) {
      const offset = (y * WIDTH + x) * 4;
      const [r, g, b] = y < 160 ? (BARS[Math.floor(x / barWidth)] ?? [0, 0, 0]) : [0, 0, 0];
      pixels[offset] = r;
      pixels[offset + 1] = g;
      pixels[offset + 2] = b;
    }
  }
  const time = new Date(cameraMs).toISOString().slice(0, 19).replace('T', ' ');
  drawText(pixels, id, 8, 170, 2);
  drawText(pixels, profileToken, 8, 190, 2);
  drawText(pixels, `${time}Z`, 8, 212, 2);
  return jpeg.encode({ data: pixels, width: WIDTH, height: HEIGHT }, 85).data;
}
