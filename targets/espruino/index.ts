/**
 * The Espruino target (ESP32, ESP8266, Espruino Pico/WiFi/Original): runtime adapter, byte ports
 * (UART, TCP), Wi-Fi bring-up, persistence of SingleLatest values, and the boot helper board bundles
 * start from. Imports only the core.
 */
export { espruinoRuntime } from './runtime.js';
export type { EspruinoRuntime, EspruinoRuntimeOptions } from './runtime.js';
export { openUart } from './uart.js';
export type { UartOptions } from './uart.js';
export { espruinoSockets } from './tcp.js';
export { startWifi } from './wifi.js';
export type { WifiOptions, WifiLink } from './wifi.js';
export { persistLatest } from './persist.js';
export type { LatestStore, PersistOptions, Persistence } from './persist.js';
export { bootEspruino, espruinoPlatform } from './boot.js';
export type { AppMain, Platform, BoardInfo, NetworkPorts } from './boot.js';
export { isEspruino, espMemory, espSizeOf } from './globals.js';
