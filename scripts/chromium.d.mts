export declare const CHROMIUM_PATH: string;
export declare const CHROMIUM_FLAGS: readonly string[];
export declare const HOW_TO_INSTALL: string;
export declare function chromiumProblem(): string | undefined;
