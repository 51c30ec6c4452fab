// Globals a board bundle must not shadow. Board bundles are top-level scripts (no IIFE: on Espruino
// an IIFE keeps a second copy of the whole bundle's text in RAM while it runs), so terser's top-level
// mangling must never pick the name of an Espruino global — pins (`A0`, `D2`, `LED1`), `E`, ports —
// or a host global (`aimdbHost`, `print`).
const names = new Set([
  'E', 'Pin', 'Serial', 'USB', 'Bluetooth', 'Telnet', 'Terminal', 'LoopbackA', 'LoopbackB', 'BTN', 'NRF', 'Puck',
  'Bangle', 'Wifi', 'ESP32', 'ESP8266', 'Flash', 'Storage', 'Modules', 'global', 'process', 'require', 'print',
  'console', 'module', 'exports', 'getTime', 'setTime', 'setTimeout', 'setInterval', 'clearTimeout',
  'clearInterval', 'setWatch', 'clearWatch', 'digitalWrite', 'digitalRead', 'analogRead', 'analogWrite',
  'digitalPulse', 'pinMode', 'peek8', 'poke8', 'peek16', 'poke16', 'peek32', 'poke32', 'save', 'load', 'reset',
  'dump', 'edit', 'echo', 'trace', 'changeInterval', 'getSerial', 'HIGH', 'LOW', 'SPI', 'I2C', 'Waveform',
  'OneWire', 'aimdbHost', 'hostRun', 'hostUartOut', 'hostReceiveHex', 'NaN', 'Infinity', 'undefined', 'eval',
]);
for (const port of 'ABCDEFGH') for (let i = 0; i < 32; i++) names.add(port + i);
for (let i = 0; i < 64; i++) names.add('D' + i);
for (let i = 1; i <= 8; i++) {
  names.add('LED' + i);
  names.add('BTN' + i);
  names.add('Serial' + i);
  names.add('I2C' + i);
  names.add('SPI' + i);
}

/** Names terser must not use for top-level bindings in a board bundle. */
export const ESPRUINO_RESERVED = [...names];
