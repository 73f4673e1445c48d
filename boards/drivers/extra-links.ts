// Links a build variant adds beside a board's UART (the LoRa radio: boards/<board>/lora.ts). A variant's
// entry imports its link modules before the board's main.ts, so they are registered when main.ts builds
// the Platform; the default bundles register none and pay nothing for a link they do not carry.
import type { Link } from '../../firmware/platform';

export type ExtraLink = {
  link: Link;
  /** Called once the node runs, with the function that hands it a received frame. */
  start(receive: (payload: Uint8Array) => void): void;
};

export const extraLinks: ExtraLink[] = [];
