import type { Board } from './boards.mjs';
export interface AppRecordMemory {
  key: string;
  buffer: 'ring' | 'singleLatest' | 'mailbox';
  capacity?: number;
  layout?: { [field: string]: string };
  fields?: number;
  readers?: number;
}
export interface App {
  name: string;
  dir: string;
  file: string;
  entry: string;
  boards: string[];
  memory: { records: AppRecordMemory[]; joinQueues?: number[]; connectors?: string[] };
}
export interface MemoryReport {
  app: string;
  board: string;
  engine: string;
  codeIn: string;
  bytes: number;
  uploadBytes: number;
  byteBudget: number;
  functions: number;
  unit: string;
  code: number;
  records: number;
  connectors: number;
  runtime: number;
  total: number;
  budget: number;
  capacity: number;
  problems: string[];
}
export declare const KIND_BYTES: { [kind: string]: number };
export declare const MODEL: any;
export declare function loadApp(dir: string): App;
export declare function recordJsVars(r: AppRecordMemory, bytesPerJsVar: number): number;
export declare function codeStats(code: string): { bytes: number; functions: number; functionChars: number };
export declare function estimateMemory(args: { code: string; board: Board | any; app: App | any; uploadBytes?: number }): MemoryReport;
