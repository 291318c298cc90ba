import type { Linter } from 'eslint';

export declare const FOLDERS: string[];
export declare const DEPENDENCY_TABLE: Record<string, { may: string[]; typesOnly?: { folder: string; except?: string }[] }>;
export declare function dependencyRules(): Linter.Config[];
