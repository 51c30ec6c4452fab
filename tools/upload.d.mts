export declare const ESPRUINO_CLI: string;
export declare function uploadConfig(board: { codeIn?: string }): string[];
export declare function uploadBytes(code: string, board: any): number;
