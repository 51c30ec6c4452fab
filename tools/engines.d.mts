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
  /** Virtual time: run this many ms of it, deterministically (no real waiting). */
  virtualMs?: number;
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
export declare function referenceHost(): string;
export interface BoardLike {
  name: string;
  engine: string;
  jsVars?: number;
  codeIn?: string;
  heapBytes?: number;
}
export declare function boardEngine(board: BoardLike): { engine: string; mode: 'ram' | 'flash' | 'heap'; unit: 'JsVars' | 'heap bytes' };
export interface BoardRunOptions {
  virtualMs?: number;
  seconds?: number;
  network?: boolean;
  cwd?: string;
  prelude?: string;
}
export interface BoardRun {
  lines: string[];
  peak: number;
  capacity: number;
  unit: string;
  engine: string;
  mode: string;
  failure: string | undefined;
}
export declare function runOnBoard(code: string, board: BoardLike, options: BoardRunOptions): BoardRun;
export interface BoardMeasure {
  engine: string;
  mode: string;
  unit: string;
  peak: number;
  capacity: number;
  virtualMs: number;
  failure: string | undefined;
  tail: string[];
  cached: boolean;
}
export declare function measureOnBoard(code: string, board: BoardLike, options: { virtualMs: number; cacheDir?: string }): BoardMeasure;
export interface LiveEspruinoOptions {
  jsVars: number;
  mode?: 'ram' | 'flash';
  network?: boolean;
  /** Storage files written into the board's flash before it starts. */
  storage?: { [name: string]: string };
  prelude?: string;
  sampleMs?: number;
  seconds?: number;
}
export interface LiveEspruino {
  dir: string;
  lines: string[];
  peak: number;
  total: number;
  exited: boolean;
  status: number | null;
  waitFor(match: string | RegExp, ms?: number, from?: number): Promise<{ line: string; index: number }>;
  failure(): string | undefined;
  stop(): Promise<number | null>;
}
export declare function startEspruino(code: string, options: LiveEspruinoOptions): LiveEspruino;
