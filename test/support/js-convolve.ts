// Espruino's E.convolve as its reference documents it, in JS: the sum of a[i] b[(i + offset) mod b.length].
// The host's stand-in when a test runs the esp32's field and scalar arithmetic (boards/esp32/*-convolve.ts).
import type { Convolve } from '../../boards/esp32/field-convolve';

export const jsConvolve: Convolve = (a, b, offset) => {
  let sum = 0;
  for (let index = 0; index < a.length; index++) sum += a[index] * b[(index + offset) % b.length];
  return sum;
};
