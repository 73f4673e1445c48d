// The SX127x register model on a test's SPI bus: each transfer selects the chip for its length, as a
// board's chip select does, and passes what the chip puts on air or asks of the channel to the test.
import { CadRequest, Sx127xModel, Transmission } from '../../host-tools/emulator/peripherals/sx127x-model';

export function modelBus(model: Sx127xModel, onTransmit: (transmission: Transmission) => void = () => undefined, onCad?: (request: CadRequest) => void) {
  return {
    transfer(out: Uint8Array): Uint8Array {
      model.selected = true;
      try {
        return model.transfer(out, onTransmit, onCad);
      } finally {
        model.selected = false;
      }
    },
  };
}
