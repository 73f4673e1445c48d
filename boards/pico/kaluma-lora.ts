// A pico's LoRa link: an SX127x on SPI1 (pins and radio settings from board.json "lora") driven by
// boards/drivers/sx127x.ts. Kaluma's SPI has no chip select, so this drives it; DIO0 is watched with
// setWatch, which Kaluma calls from its event loop (attachInterrupt would call into the engine from the
// GPIO interrupt). Called by a pico build's LoRa variant (lora.ts, imported by main-lora.ts before main.ts).
import { addLoraLink } from '../drivers/extra-links';
import type { LoraRadioSettings } from '../drivers/sx127x';

declare function __runtimeRequire(name: 'spi'): { SPI: new (bus: number, options: object) => { transfer(data: Uint8Array): Uint8Array } };
declare function pinMode(pin: number, mode: number): void;
declare function digitalWrite(pin: number, value: number): void;
declare function setWatch(callback: () => void, pin: number, events: number): number;
declare function setTimeout(callback: () => void, delayMs: number): number;
declare function millis(): number;
declare function print(text: string): void;
declare const OUTPUT: number;
declare const RISING: number;

/** The SX127x wiring and settings of board.json "lora". */
export type PicoLoraSettings = LoraRadioSettings & { spi_bus: number; sck: number; mosi: number; miso: number; cs: number; reset: number; dio0: number };

export function addKalumaLora(lora: PicoLoraSettings): void {

  const spi = new (__runtimeRequire('spi').SPI)(lora.spi_bus, { mode: 0, baudrate: 1000000, sck: lora.sck, mosi: lora.mosi, miso: lora.miso });
  pinMode(lora.cs, OUTPUT);
  digitalWrite(lora.cs, 1);
  pinMode(lora.reset, OUTPUT);
  addLoraLink(
    {
      transfer: function (out: Uint8Array): Uint8Array {
        // A fresh array per transfer: Kaluma's transfer sends the whole ArrayBuffer behind a view.
        digitalWrite(lora.cs, 0);
        try {
          return spi.transfer(out);
        } finally {
          digitalWrite(lora.cs, 1);
        }
      },
    },
    lora,
    millis,
    {
      setReset: function (high: boolean) {
        digitalWrite(lora.reset, high ? 1 : 0);
      },
      later: setTimeout,
      watchDio0: function (callback: () => void) {
        setWatch(callback, lora.dio0, RISING);
      },
      log: function (code: string, message: string) {
        print('[' + code + '] ' + message);
      },
    },
  );
}
