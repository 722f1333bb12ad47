import { PNG } from 'pngjs';
import { encodePng, rasterise, trendChartSvg } from '../../../src/charts/render-core';
import { fixtureTrends } from '../../support/trend-fixture';

/** Opaque RGBA pixels from a seeded generator (the chart's background is opaque white, so alpha is 255). */
function pixels(width: number, height: number, seed: number): Uint8Array {
  const out = new Uint8Array(width * height * 4);
  let s = seed;
  for (let i = 0; i < out.length; i++) {
    s = (s * 16807) % 2147483647;
    out[i] = i % 4 === 3 ? 255 : s & 0xff;
  }
  return out;
}

function decoded(png: Buffer): { width: number; height: number; data: Buffer } {
  const img = PNG.sync.read(png);
  return { width: img.width, height: img.height, data: img.data };
}

describe('encodePng', () => {
  it.each([
    [1, 1],
    [3, 2],
    [97, 41],
  ])('writes %i × %i pixels that decode to the same RGB, opaque', (width, height) => {
    const rgba = pixels(width, height, width * 1000 + height);
    const png = encodePng(rgba, width, height);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    const img = decoded(png);
    expect([img.width, img.height]).toEqual([width, height]);
    expect(Buffer.from(img.data)).toEqual(Buffer.from(rgba));
  });

  it('encodes a rendered chart without changing a pixel', () => {
    const { svg, width } = trendChartSvg(fixtureTrends(3, 7));
    const png = rasterise(svg, width, 1);
    const img = decoded(png);
    expect(img.width).toBe(width);
    // Round trip: the decoded pixels encode to the same file.
    expect(encodePng(img.data, img.width, img.height).equals(png)).toBe(true);
    // And the chart is drawn: more than two distinct colours.
    const colours = new Set<number>();
    for (let i = 0; i < img.data.length; i += 4) colours.add(img.data.readUIntBE(i, 3));
    expect(colours.size).toBeGreaterThan(2);
  });
});
