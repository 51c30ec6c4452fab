/**
 * Site settings of the climate sensor. Edit before `make flash BOARD=esp32 APP=climate-sensor`.
 * (Kept apart from main.ts so that the app's logic holds no secrets.)
 */
export const SETTINGS = {
  /** Wi-Fi network. */
  ssid: 'greenhouse',
  password: 'change-me',
  /** MQTT broker on the gateway (a Storage setting overrides it at boot: SITE_FILE in main.ts). */
  broker: 'mqtt://192.168.1.10:1883',
  /** Topic prefix of this zone. */
  zone: 'zone-a',
  /** Node id (status topic, ownership claims). */
  nodeId: 'climate-esp32-a',
};
