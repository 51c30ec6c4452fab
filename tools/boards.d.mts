export interface Board {
  name: string;
  title: string;
  engine: 'espruino' | 'jerryscript';
  chip: string;
  ramKB: number;
  byteBudget: number;
  defaultUart: string;
  network: string[];
  ohex: boolean;
  codeIn?: 'ram' | 'flash';
  jsVars?: number;
  bytesPerJsVar?: number;
  jsVarBudget?: number;
  espruinoBoard?: string;
  heapBytes?: number;
  heapBudgetBytes?: number;
  dir: string;
  espruinoBoardPath?: string;
}
export declare const ENGINES: string[];
export declare const NETWORKS: string[];
export declare function validateBoard(board: unknown, dir?: string): string[];
export declare class BoardError extends Error {
  file: string;
  problems: string[];
}
export declare function loadBoard(dir: string): Board;
export declare function loadBoards(root?: string): Board[];
