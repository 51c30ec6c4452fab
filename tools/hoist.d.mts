export declare function hoistDeclarations(code: string): string;
export declare function checkDeclarationOrder(code: string): string[];
