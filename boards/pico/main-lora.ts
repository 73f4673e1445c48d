// The pico bundle with the LoRa link beside the UART (docs/boards.md: it does not fit the heap budget yet).
import './lora';
import './main';
