/** Per-channel mean and population std of interleaved (HWC) values, the slow obvious way: a reference for tests. */
export function directStats(values: ArrayLike<number>, channels: number, scale = 1) {
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    let n = 0;
    for (let p = c; p < values.length; p += channels) {
      sum += values[p] * scale;
      n++;
    }
    const m = sum / n;
    let sq = 0;
    for (let p = c; p < values.length; p += channels) sq += (values[p] * scale - m) ** 2;
    mean.push(m);
    std.push(Math.sqrt(sq / n));
  }
  return { mean, std };
}
