export declare const HELPER_NAMES: string[];
export declare const MISSING_GLOBALS: string[];
export declare function parseEs5(code: string): any;
export declare function findHelpers(code: string): string[];
export declare function findEspruinoHazards(ast: any): string[];
export declare function checkArtifact(code: string, opts?: { espruino?: boolean }): string[];
export declare function rewritePrototypeReads(code: string): { code: string; rewrites: string[] };
export declare function walk(node: any, visit: (n: any, parent: any) => void, parent?: any): void;
