// The viridis colour map as a 256-entry lookup table of packed RGBA pixels (little-endian,
// ready for a Uint32Array view of ImageData), from a polynomial fit of matplotlib's viridis.

const C = [
  [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
  [0.1050930431085774, 1.404613529898575, 1.384590162594685],
  [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
  [-4.634230498983486, -5.799100973351585, -19.33244095627987],
  [6.228269936347081, 14.17993336680509, 56.69055260068105],
  [4.776384997670288, -13.74514537774601, -65.35303263337234],
  [-5.435455855934631, 4.645852612178535, 26.3124352495832],
];

export function viridisRgb(t) {
  const x = Math.min(1, Math.max(0, t));
  const rgb = [0, 1, 2].map((ch) => {
    let v = C[6][ch];
    for (let k = 5; k >= 0; k--) v = C[k][ch] + x * v;
    return Math.round(Math.min(1, Math.max(0, v)) * 255);
  });
  return rgb;
}

export const VIRIDIS_RGBA = (() => {
  const lut = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const [r, g, b] = viridisRgb(i / 255);
    lut[i] = (255 << 24) | (b << 16) | (g << 8) | r;
  }
  return lut;
})();

export function viridisCss(t) {
  const [r, g, b] = viridisRgb(t);
  return `rgb(${r},${g},${b})`;
}
