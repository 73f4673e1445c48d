// The pico's LoRa link (boards/pico/kaluma-lora.ts) with this board's radio settings; imported by the
// LoRa variant (main-lora.ts) before main.ts.
import { addKalumaLora } from './kaluma-lora';
import { lora } from './board.json';

addKalumaLora(lora);
