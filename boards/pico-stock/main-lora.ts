// The pico-stock bundle with the LoRa link beside the UART (docs/boards.md: it does not fit the heap budget).
import './lora';
import './main';
