/** Lengths at and around SHA-512's block boundaries (128-byte blocks; at least 17 bytes of padding, FIPS 180-4 §5.1.2). */
export const BOUNDARY_LENGTHS = [0, 1, 55, 56, 63, 64, 110, 111, 112, 113, 127, 128, 129, 200, 238, 239, 240, 241, 255, 256, 257, 300];
