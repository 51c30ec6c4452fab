export declare function enginesDir(): string;
export declare const ESPRUINO_VARS: number[];
export declare function enginesProblem(): string | undefined;
export declare function requireEngines(): void;
export declare function espruinoBinary(jsVars: number): string;
export declare const FAILURE_MARKS: string[];
export declare function failureLine(lines: string[]): string | undefined;
export interface EspruinoRunOptions {
  jsVars: number;
  mode?: 'ram' | 'flash';
  seconds?: number;
  sampleMs?: number;
  cwd?: string;
  wifiStub?: boolean;
  prelude?: string;
  init?: boolean;
  network?: boolean;
}
export interface EspruinoRun {
  lines: string[];
  rc: number | null;
  peak: number;
  total: number;
  failure: string | undefined;
}
export declare function runEspruino(code: string, options: EspruinoRunOptions): EspruinoRun;
export interface JerryRunOptions {
  version: '2.4' | '3.0';
  heap?: '64k' | '512k';
  untilMs?: number;
  timers?: boolean;
}
export interface JerryRun {
  lines: string[];
  rc: number | null;
  peakBytes: number;
  heapBytes: number;
  byteCodeBytes: number;
  failure: string | undefined;
}
export declare function runJerry(code: string, options: JerryRunOptions): JerryRun;
