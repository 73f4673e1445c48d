// The esp32's LoRa link: an SX127x on SPI1 (pins and radio settings in board.json "lora") driven by
// boards/drivers/sx127x.ts. SPI1.send drives the chip select; DIO0 is watched with setWatch (repeat: true,
// or Espruino fires it once). Imported by the LoRa build variant (main-lora.ts) before main.ts.
import { addLoraLink, extraLinks } from '../drivers/extra-links';
import { serviceAfterMultiplications } from './field-convolve';
import board from './board.json';

declare const SPI1: { setup(options: object): void; send(data: Uint8Array, nss: number): Uint8Array };
declare function pinMode(pin: number, mode: string): void;
declare function digitalWrite(pin: number, value: number): void;
declare function digitalRead(pin: number): number;
declare function setWatch(callback: () => void, pin: number, options: object): number;
declare function setTimeout(callback: () => void, delayMs: number): number;
declare function getTime(): number;
declare function print(text: string): void;

const lora = board.lora;
SPI1.setup({ sck: lora.sck, miso: lora.miso, mosi: lora.mosi, baud: 1000000, mode: 0 });
pinMode(lora.cs, 'output');
digitalWrite(lora.cs, 1);
pinMode(lora.reset, 'output');
addLoraLink(
  {
    transfer: function (out: Uint8Array): Uint8Array {
      return SPI1.send(out, lora.cs);
    },
  },
  lora,
  function () {
    return Math.floor(getTime() * 1000);
  },
  {
    setReset: function (high: boolean) {
      digitalWrite(lora.reset, high ? 1 : 0);
    },
    later: setTimeout,
    dio0High: function () {
      return digitalRead(lora.dio0) === 1;
    },
    watchDio0: function (callback: () => void) {
      setWatch(callback, lora.dio0, { edge: 'rising', repeat: true });
    },
    log: function (code: string, message: string) {
      print('[' + code + '] ' + message);
    },
  },
);
// Within a verification the radio is serviced half-way through and after each field multiplication
// (field-convolve.ts) when DIO0 is up: the pin is one native call, so a multiplication pays no SPI.
serviceAfterMultiplications(extraLinks[extraLinks.length - 1].link.poll as () => void);
