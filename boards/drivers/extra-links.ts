// Links a build variant adds beside a board's UART (the LoRa radio: boards/<board>/lora.ts). A variant's
// entry imports its link modules before the board's main.ts, so they are registered when main.ts builds
// the Platform; the default bundles register none and pay nothing for a link they do not carry.
import type { Link } from '../../firmware/platform';
import { airtimeMs } from './lora-airtime';
import { cborItemEnd } from '../../firmware/codec/cbor';
import { copyBytes } from '../../firmware/bytes';
import { LORA_PAYLOAD_BYTES_MAX, LoraRadioSettings, RadioWiring, Sx127xBus, createSx127x, loraModulation, startRadio } from './sx127x';

export type ExtraLink = {
  link: Link;
  /** Called once the node runs, with the function that hands it a received frame. */
  start(receive: (payload: Uint8Array) => void): void;
};

export const extraLinks: ExtraLink[] = [];

/**
 * Registers an SX127x on the board's SPI bus as its LoRa link; the board gives the bus, its clock and
 * its pins (boards/<board>/lora.ts), and the radio starts once the node runs.
 */
export function addLoraLink(bus: Sx127xBus, settings: LoraRadioSettings, nowMs: () => number, wiring: RadioWiring): void {
  let deliver = function (payload: Uint8Array): void {};
  const radio = createSx127x(bus, settings, nowMs, function (payload: Uint8Array, packets: number) {
    if (packets === 1) {
      deliver(payload);
      return;
    }
    // Packets the radio kept back to back (at most 255: the chip's 8-bit packet count): each is one frame,
    // a CBOR item, which says where it ends. All of them split cleanly or none is delivered; an item
    // that does not decode ends the split at -1, so the last end is then not the payload's length.
    const ends: number[] = [];
    let offset = 0;
    while (ends.length < packets && offset >= 0) {
      offset = cborItemEnd(payload, offset);
      ends.push(offset);
    }
    if (ends[packets - 1] !== payload.length) return;
    for (let index = 0; index < packets; index++) deliver(copyBytes(payload, index > 0 ? ends[index - 1] : 0, ends[index]));
  }, wiring.later);
  extraLinks.push({
    link: {
      name: 'lora',
      frameBytesMax: LORA_PAYLOAD_BYTES_MAX,
      send: function (frame: Uint8Array) {
        return radio.send(frame);
      },
      poll: function () {
        // A board that can read DIO0 (one native call) reads RegIrqFlags over SPI only when it is up.
        if (wiring.dio0High === undefined || wiring.dio0High()) radio.poll();
      },
      receiving: function () {
        return radio.receiving();
      },
      airtimeMs: function (frameBytes: number) {
        const modulation = loraModulation(settings);
        return typeof modulation === 'string' ? 0 : airtimeMs(frameBytes, modulation);
      },
    },
    start: function (receive: (payload: Uint8Array) => void) {
      deliver = receive;
      startRadio(radio, wiring);
    },
  });
}
